package io.telegen.integration;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.exporter.otlp.metrics.OtlpGrpcMetricExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * An application instrumented with the real OpenTelemetry Java SDK, exporting over OTLP/gRPC
 * (the SDK's default okhttp sender) only when {@link #flush()} is called. Its resource is the SDK
 * default plus {@code service.name}; no {@code host.name}, so that whoever adds one is visible.
 */
final class JavaSdkClient implements AutoCloseable {

  private final SdkMeterProvider meterProvider;
  private final SdkTracerProvider tracerProvider;

  /** {@code endpoint}: host:port of a plaintext OTLP/gRPC receiver. */
  JavaSdkClient(String endpoint, String serviceName) {
    Resource resource =
        Resource.getDefault()
            .merge(
                Resource.create(
                    Attributes.of(AttributeKey.stringKey("service.name"), serviceName)));
    String url = "http://" + endpoint;
    meterProvider =
        SdkMeterProvider.builder()
            .setResource(resource)
            .registerMetricReader(
                PeriodicMetricReader.builder(
                        OtlpGrpcMetricExporter.builder()
                            .setEndpoint(url)
                            .setTimeout(Duration.ofSeconds(10))
                            .build())
                    .setInterval(Duration.ofHours(1))
                    .build())
            .build();
    tracerProvider =
        SdkTracerProvider.builder()
            .setResource(resource)
            .addSpanProcessor(
                SimpleSpanProcessor.create(
                    OtlpGrpcSpanExporter.builder()
                        .setEndpoint(url)
                        .setTimeout(Duration.ofSeconds(10))
                        .build()))
            .build();
  }

  Meter meter() {
    return meterProvider.get("io.telegen.integration.java");
  }

  Tracer tracer() {
    return tracerProvider.get("io.telegen.integration.java");
  }

  /** Exports everything recorded so far; true when the receiver accepted all of it. */
  boolean flush() {
    CompletableResultCode spans = tracerProvider.forceFlush().join(20, TimeUnit.SECONDS);
    CompletableResultCode metrics = meterProvider.forceFlush().join(20, TimeUnit.SECONDS);
    return spans.isSuccess() && metrics.isSuccess();
  }

  @Override
  public void close() {
    tracerProvider.shutdown().join(10, TimeUnit.SECONDS);
    meterProvider.shutdown().join(10, TimeUnit.SECONDS);
  }
}
