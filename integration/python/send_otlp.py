"""Sends a known gauge, counter and span over OTLP/gRPC with the OpenTelemetry Python SDK.

Used by PythonSdkThroughAgentTest: the test runs this with the venv made by
integration/scripts/setup.sh and looks for exactly these values in the collector's output.

    python send_otlp.py --endpoint 127.0.0.1:4319 [--service-name checkout-py-test]

Prints one JSON line with the span's trace and span ids (hex) and exits 0 when every export
succeeded, 1 otherwise.
"""

import argparse
import json
import sys

from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExportResult
from opentelemetry.sdk.metrics.export import MetricExportResult

# The values the test expects; keep in sync with PythonSdkThroughAgentTest.
GAUGE = "checkout_queue_depth"
GAUGE_VALUE = 17.5
COUNTER = "checkout_orders_total"
COUNTER_VALUE = 3
SPAN = "charge-card"
ATTRIBUTES = {"region": "eu-1"}
SPAN_ATTRIBUTES = {"payment.method": "card", "order.items": 3}


def recording(exporter, results):
    """Wraps exporter.export so that every export's result lands in results."""
    export = exporter.export

    def recorded(*args, **kwargs):
        result = export(*args, **kwargs)
        results.append(result)
        return result

    exporter.export = recorded
    return exporter


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", required=True, help="host:port of an OTLP/gRPC receiver (plaintext)")
    parser.add_argument("--service-name", default="checkout-py-test")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per export")
    args = parser.parse_args()

    # no host.name here on purpose: the agent's receiver must add it
    resource = Resource.create({"service.name": args.service_name})

    metric_results, span_results = [], []
    metric_reader = PeriodicExportingMetricReader(
        recording(OTLPMetricExporter(endpoint=args.endpoint, insecure=True, timeout=args.timeout), metric_results),
        export_interval_millis=3_600_000,  # exported by force_flush only
    )
    meter_provider = MeterProvider(resource=resource, metric_readers=[metric_reader])
    tracer_provider = TracerProvider(resource=resource)
    tracer_provider.add_span_processor(BatchSpanProcessor(
        recording(OTLPSpanExporter(endpoint=args.endpoint, insecure=True, timeout=args.timeout), span_results)
    ))

    meter = meter_provider.get_meter("io.telegen.integration.python")
    meter.create_gauge(GAUGE, unit="{item}").set(GAUGE_VALUE, ATTRIBUTES)
    meter.create_counter(COUNTER, unit="{order}").add(COUNTER_VALUE, ATTRIBUTES)
    with tracer_provider.get_tracer("io.telegen.integration.python").start_as_current_span(
        SPAN, attributes=SPAN_ATTRIBUTES
    ) as span:
        context = span.get_span_context()

    timeout_millis = int(args.timeout * 1000) * 2
    tracer_provider.force_flush(timeout_millis)
    meter_provider.force_flush(timeout_millis)
    # force_flush says whether flushing finished, not whether the exports succeeded
    spans_ok = bool(span_results) and all(r == SpanExportResult.SUCCESS for r in span_results)
    metrics_ok = bool(metric_results) and all(r == MetricExportResult.SUCCESS for r in metric_results)
    tracer_provider.shutdown()
    meter_provider.shutdown()

    print(json.dumps({
        "trace_id": format(context.trace_id, "032x"),
        "span_id": format(context.span_id, "016x"),
        "spans_exported": spans_ok,
        "metrics_exported": metrics_ok,
    }))
    return 0 if spans_ok and metrics_ok else 1


if __name__ == "__main__":
    sys.exit(main())
