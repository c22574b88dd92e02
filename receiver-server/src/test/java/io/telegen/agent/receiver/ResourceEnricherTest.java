package io.telegen.agent.receiver;

import static io.telegen.agent.export.OtlpRequests.attr;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What the receiver adds to a sender's resource. A sender setting {@code telegen.agent.version}
 * twice kept its first value beside the agent's (found reading the resource against {@link
 * AcceptedRequests}, the fuzz tests' contract, which a million inputs did not reach).
 */
class ResourceEnricherTest {

  private final ResourceEnricher enricher = new ResourceEnricher("node-1", "agent", "9.9.9");

  @Test
  void aSenderThatSetsTheAgentVersionTwiceGetsOnlyTheAgentsInPlaceOfTheFirst() {
    Resource sent =
        Resource.newBuilder()
            .addAttributes(attr("telegen.agent.version", "0.0.1"))
            .addAttributes(attr("host.name", "app-host"))
            .addAttributes(attr("telegen.agent.version", "0.0.2"))
            .addAttributes(attr("service.name", "trainer"))
            .build();

    List<KeyValue> got = enricher.enrich(sent).getAttributesList();

    assertEquals(
        List.of(
            attr("telegen.agent.version", "9.9.9"),
            attr("host.name", "app-host"),
            attr("service.name", "trainer")),
        got);
  }

  @Test
  void hostAndServiceAreAddedOnlyWhereTheSenderLeftThemOut() {
    List<KeyValue> got = enricher.enrich(Resource.getDefaultInstance()).getAttributesList();

    assertEquals(
        List.of(
            attr("host.name", "node-1"),
            attr("service.name", "agent"),
            attr("telegen.agent.version", "9.9.9")),
        got);
  }
}
