"""A tiny flow for trying `mfc`: a greeting, a small foreach, and a step that fails once then succeeds on retry.

Regenerate the committed `.metaflow` next to this file with:

    cd examples/helloflow && rm -rf .metaflow && USERNAME=demo python3 helloflow.py run && \
      USERNAME=demo python3 helloflow.py run --greeting Bonjour --tag french
"""
import os

from metaflow import FlowSpec, Parameter, current, retry, step


class HelloFlow(FlowSpec):
    greeting = Parameter("greeting", default="Hello", help="How to greet")

    @step
    def start(self):
        self.names = ["Ada", "Grace", "Linus"]
        print("starting HelloFlow with greeting %r" % self.greeting)
        self.next(self.greet, foreach="names")

    @step
    def greet(self):
        self.message = "%s, %s!" % (self.greeting, self.input)
        print(self.message)
        self.next(self.join)

    @step
    def join(self, inputs):
        self.messages = sorted(i.message for i in inputs)
        self.next(self.flaky)

    @retry(times=1, minutes_between_retries=0)
    @step
    def flaky(self):
        # Fails on its first attempt so that the example shows a retried task.
        if current.retry_count == 0:
            print("first attempt: failing on purpose")
            raise RuntimeError("simulated failure on attempt 0")
        print("second attempt: fine")
        self.stats = {"count": len(self.messages), "longest": max(self.messages, key=len)}
        self.next(self.end)

    @step
    def end(self):
        print("done: %d messages" % len(self.messages))


if __name__ == "__main__":
    HelloFlow()
