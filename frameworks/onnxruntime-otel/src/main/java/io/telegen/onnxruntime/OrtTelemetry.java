package io.telegen.onnxruntime;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.exporter.otlp.metrics.OtlpGrpcMetricExporter;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.resources.Resource;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A meter that exports to the Telegen agent's OTLP receiver, for applications that do not
 * configure OpenTelemetry themselves. Applications that do can pass their own {@code Meter} to
 * {@link InstrumentedOrtSession#wrap} instead.
 */
public final class OrtTelemetry implements AutoCloseable {

  /** The agent's receiver on the same node. */
  public static final String AGENT_ENDPOINT = "http://127.0.0.1:4319";

  private final SdkMeterProvider provider;

  private OrtTelemetry(SdkMeterProvider provider) {
    this.provider = provider;
  }

  /**
   * Exports every {@code interval} to {@code endpoint} (the agent's receiver, usually
   * {@value #AGENT_ENDPOINT}) under {@code service.name = serviceName}.
   */
  public static OrtTelemetry toAgent(String endpoint, Duration interval, String serviceName) {
    OtlpGrpcMetricExporter exporter =
        OtlpGrpcMetricExporter.builder()
            .setEndpoint(endpoint)
            .setTimeout(Duration.ofSeconds(10))
            .build();
    SdkMeterProvider provider =
        SdkMeterProvider.builder()
            .setResource(
                Resource.getDefault()
                    .merge(
                        Resource.create(
                            Attributes.builder().put("service.name", serviceName).build())))
            .registerMetricReader(
                PeriodicMetricReader.builder(exporter).setInterval(interval).build())
            .build();
    return new OrtTelemetry(provider);
  }

  public Meter meter() {
    return provider.get("io.telegen.onnxruntime");
  }

  /** Exports what was recorded now, waiting up to {@code timeout}; true when it was accepted. */
  public boolean flush(Duration timeout) {
    return provider.forceFlush().join(timeout.toMillis(), TimeUnit.MILLISECONDS).isSuccess();
  }

  @Override
  public void close() {
    provider.close();
  }
}
