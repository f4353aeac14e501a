"""A small flow run live by live-run.test.ts: a start step, a foreach of 3 with prints and sleeps, a join, an end."""
import time

from metaflow import FlowSpec, step


class LiveFlow(FlowSpec):
    @step
    def start(self):
        print("start: hello", flush=True)
        self.items = [1, 2, 3]
        time.sleep(1)
        self.next(self.fanout, foreach="items")

    @step
    def fanout(self):
        for i in range(5):
            print("fanout %d: tick %d" % (self.input, i), flush=True)
            time.sleep(0.8)
        self.square = self.input * self.input
        self.next(self.join)

    @step
    def join(self, inputs):
        self.total = sum(i.square for i in inputs)
        print("join: total %d" % self.total, flush=True)
        self.next(self.end)

    @step
    def end(self):
        print("end: done", flush=True)


if __name__ == "__main__":
    LiveFlow()
