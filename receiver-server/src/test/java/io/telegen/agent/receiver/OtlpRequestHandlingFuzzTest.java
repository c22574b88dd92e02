package io.telegen.agent.receiver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.Status;
import io.telegen.agent.export.ExportItem;
import io.telegen.agent.export.MemoryExportQueue;
import io.telegen.agent.export.Signal;
import io.telegen.agent.telemetry.AgentTelemetry;
import java.time.Duration;
import java.util.Arrays;
import java.util.function.UnaryOperator;

/**
 * Any request body, decoded and enriched as the receiver's handlers do once gRPC has read it (no
 * socket, so it runs many times faster than {@link OtlpReceiverFuzzTest}): the answer is {@code
 * OK} with the request queued as {@link AcceptedRequests} says, or {@code INVALID_ARGUMENT} with
 * nothing queued; nothing is thrown. A body is refused exactly when protobuf-java's parse refuses
 * it: for metrics, whose single pass over the bytes refuses by itself, {@link
 * WireDecodeDifferential} checks that pass against the parse, its points and its output.
 *
 * <p>The first input byte chooses the signal (0 metrics, 1 traces, 2 logs, modulo 3); the rest is
 * the body.
 */
class OtlpRequestHandlingFuzzTest {

  private final MemoryExportQueue queue = new MemoryExportQueue(16);
  private final OtlpReceiver.Handlers handlers =
      new OtlpReceiver.Handlers(
          queue,
          new AgentTelemetry(1L),
          new ResourceEnricher(
              AcceptedRequests.HOST, AcceptedRequests.SERVICE, AcceptedRequests.VERSION),
          new MetricsWireEnricher(
              AcceptedRequests.HOST, AcceptedRequests.SERVICE, AcceptedRequests.VERSION),
          request -> {},
          UnaryOperator.identity());
  private final WireDecodeDifferential differential =
      new WireDecodeDifferential(
          AcceptedRequests.HOST, AcceptedRequests.SERVICE, AcceptedRequests.VERSION);

  @FuzzTest(maxDuration = "12s")
  void handle(byte[] input) throws InterruptedException, InvalidProtocolBufferException {
    if (input.length == 0) {
      return;
    }
    Signal signal = Signal.values()[(input[0] & 0xff) % 3];
    byte[] body = Arrays.copyOfRange(input, 1, input.length);
    Status status =
        switch (signal) {
          case METRICS -> handlers.metrics(body);
          case TRACES -> handlers.traces(body);
          case LOGS -> handlers.logs(body);
        };
    ExportItem item = queue.peek(Duration.ZERO);
    if (item != null) {
      queue.remove(item);
    }
    boolean decodes = AcceptedRequests.decodes(signal, body);
    if (signal == Signal.METRICS) {
      assertEquals(decodes, differential.check(body));
    }
    assertEquals(decodes, status.getCode() != Status.Code.INVALID_ARGUMENT, status.toString());
    if (status.getCode() == Status.Code.INVALID_ARGUMENT) {
      assertNull(item, "refused but queued");
      assertNotNull(status.getDescription());
      assertTrue(status.getDescription().startsWith("the request body is not a valid OTLP "));
      return;
    }
    assertEquals(Status.Code.OK, status.getCode(), status.toString());
    AcceptedRequests.check(signal, body, item);
  }
}
