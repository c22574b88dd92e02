package io.telegen.agent.naming;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.Gauge;
import io.opentelemetry.proto.metrics.v1.Histogram;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.Sum;
import io.telegen.catalog.MetricCatalog;
import io.telegen.catalog.SemconvName;
import io.telegen.catalog.SemconvNames;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Applies {@code agent.naming} to the metrics of one collection: under {@link MetricNaming#SEMCONV}
 * a metric the catalog maps ({@code semconv.yaml}) is replaced by its convention form, under {@link
 * MetricNaming#BOTH} the convention form is added beside it, under {@link MetricNaming#SPEC} nothing
 * changes. The convention form has the convention's name and unit, its values scaled (percent to a
 * ratio), its labels renamed ({@code uuid} to {@code hw.id}, {@code model} to {@code
 * gen_ai.request.model}, ...) and the convention's fixed attributes added ({@code hw.gpu.task},
 * {@code hw.type}, ...). Metrics without a convention name pass unchanged.
 */
public final class SemconvRenamer implements UnaryOperator<List<Metric>> {

  private final MetricNaming naming;
  private final SemconvNames names;

  private SemconvRenamer(MetricNaming naming, SemconvNames names) {
    this.naming = naming;
    this.names = names;
  }

  /** The renamer for {@code naming}, with the shipped catalog's convention names. */
  public static SemconvRenamer of(MetricNaming naming) {
    return new SemconvRenamer(naming, SemconvNames.load(MetricCatalog.load()));
  }

  @Override
  public List<Metric> apply(List<Metric> metrics) {
    if (naming == MetricNaming.SPEC) {
      return metrics;
    }
    List<Metric> out = new ArrayList<>(metrics.size());
    for (Metric metric : metrics) {
      SemconvName name = names.find(metric.getName()).orElse(null);
      if (name == null) {
        out.add(metric);
        continue;
      }
      if (naming == MetricNaming.BOTH) {
        out.add(metric);
      }
      out.add(convert(metric, name));
    }
    return out;
  }

  private Metric convert(Metric metric, SemconvName name) {
    Metric.Builder converted = metric.toBuilder().setName(name.name()).setUnit(name.unit());
    switch (metric.getDataCase()) {
      case GAUGE -> {
        Gauge.Builder gauge = Gauge.newBuilder();
        metric.getGauge().getDataPointsList().forEach(p -> gauge.addDataPoints(point(p, name)));
        converted.setGauge(gauge);
      }
      case SUM -> {
        Sum.Builder sum = metric.getSum().toBuilder().clearDataPoints();
        metric.getSum().getDataPointsList().forEach(p -> sum.addDataPoints(point(p, name)));
        converted.setSum(sum);
      }
      case HISTOGRAM -> {
        if (name.scale() != 1) {
          // Bucket bounds would need scaling too; semconv.yaml maps only histograms of the same
          // unit.
          throw new IllegalStateException(
              "semconv.yaml: " + metric.getName() + " is a histogram: its scale must be 1");
        }
        Histogram.Builder histogram = metric.getHistogram().toBuilder().clearDataPoints();
        for (HistogramDataPoint p : metric.getHistogram().getDataPointsList()) {
          histogram.addDataPoints(
              p.toBuilder()
                  .clearAttributes()
                  .addAllAttributes(attributes(p.getAttributesList(), name)));
        }
        converted.setHistogram(histogram);
      }
      default -> {
        return metric;
      }
    }
    return converted.build();
  }

  private NumberDataPoint point(NumberDataPoint point, SemconvName name) {
    NumberDataPoint.Builder builder =
        point.toBuilder()
            .clearAttributes()
            .addAllAttributes(attributes(point.getAttributesList(), name));
    if (name.scale() != 1) {
      double value =
          point.getValueCase() == NumberDataPoint.ValueCase.AS_INT
              ? point.getAsInt()
              : point.getAsDouble();
      builder.setAsDouble(value * name.scale());
    }
    return builder.build();
  }

  private List<KeyValue> attributes(List<KeyValue> attributes, SemconvName name) {
    Map<String, String> renames = names.labels();
    List<KeyValue> out = new ArrayList<>(attributes.size() + name.attributes().size());
    for (KeyValue kv : attributes) {
      String key = renames.getOrDefault(kv.getKey(), kv.getKey());
      out.add(key.equals(kv.getKey()) ? kv : kv.toBuilder().setKey(key).build());
    }
    name.attributes()
        .forEach(
            (key, value) ->
                out.add(
                    KeyValue.newBuilder()
                        .setKey(key)
                        .setValue(AnyValue.newBuilder().setStringValue(value))
                        .build()));
    return out;
  }

  /** Data points in {@code metrics}, as the exporter counts them. */
  public static int points(List<Metric> metrics) {
    int points = 0;
    for (Metric metric : metrics) {
      points +=
          switch (metric.getDataCase()) {
            case GAUGE -> metric.getGauge().getDataPointsCount();
            case SUM -> metric.getSum().getDataPointsCount();
            case HISTOGRAM -> metric.getHistogram().getDataPointsCount();
            case EXPONENTIAL_HISTOGRAM -> metric.getExponentialHistogram().getDataPointsCount();
            case SUMMARY -> metric.getSummary().getDataPointsCount();
            default -> 0;
          };
    }
    return points;
  }
}
