/**
 * A streaming, allocation-light parser for the Prometheus text exposition format 0.0.4 and
 * OpenMetrics 1.0 text, tolerant of the quirks real model servers emit.
 *
 * <p>Entry point: {@link io.telegen.frameworks.prometheus.PrometheusTextParser}; results arrive
 * through a {@link io.telegen.frameworks.prometheus.SampleHandler} and a
 * {@link io.telegen.frameworks.prometheus.ParseReport}.
 */
package io.telegen.frameworks.prometheus;
