"""Template run for `pnpm bench`: start -> foreach `fan` (artifact y per task) -> join -> end.

Run once with real Metaflow (`USERNAME=bench python3 benchflow.py run --n 3`) from this folder; the
resulting `.metaflow/` is committed and replicated by bench/workload.ts into the scale workload.
"""
from metaflow import FlowSpec, Parameter, step


class BenchFlow(FlowSpec):
    n = Parameter("n", default=3, type=int)

    @step
    def start(self):
        self.x = 1
        self.items = list(range(1, self.n + 1))
        self.next(self.fan, foreach="items")

    @step
    def fan(self):
        self.y = self.input * 10
        self.next(self.join)

    @step
    def join(self, inputs):
        self.total = sum(i.y for i in inputs)
        self.next(self.end)

    @step
    def end(self):
        print("total", self.total)


if __name__ == "__main__":
    BenchFlow()
