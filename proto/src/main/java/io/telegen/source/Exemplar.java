package io.telegen.source;

/**
 * One measurement kept beside a histogram bucket with the trace it came from, so that a slow
 * bucket in a dashboard leads to the request's trace.
 *
 * @param traceId 16 bytes
 * @param spanId 8 bytes
 */
public record Exemplar(double value, long timeUnixNanos, byte[] traceId, byte[] spanId) {}
