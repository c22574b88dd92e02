package io.telegen.agent.assembly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A configured {@code metrics_endpoint}: its instance, its port, and whether it is this host. */
class ConfiguredEndpointTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "http://127.0.0.1:8000/metrics, 127.0.0.1:8000, 8000, true",
    "http://localhost/metrics, localhost:80, 80, true",
    "https://10.0.0.5/metrics, 10.0.0.5:443, 443, false",
    "http://[::1]:9400/metrics, [::1]:9400, 9400, true",
    "http://0.0.0.0:8080/metrics, 0.0.0.0:8080, 8080, true",
    "http://127.12.0.1:3000/metrics, 127.12.0.1:3000, 3000, true",
    "http://vllm.serving.svc:8000/metrics, vllm.serving.svc:8000, 8000, false"
  })
  void anEndpointIsScrapedUnderItsHostAndPort(
      String url, String instance, int port, boolean local) {
    ConfiguredEndpoint endpoint = ConfiguredEndpoint.parse(url);
    assertEquals(URI.create(url), endpoint.uri());
    assertEquals(instance, endpoint.instance());
    assertEquals(port, endpoint.port());
    assertEquals(local, endpoint.local());
  }

  @Test
  void onlyLoopbackAndAnyAddressNamesAreThisHost() {
    assertTrue(ConfiguredEndpoint.isLocal("localhost"));
    assertTrue(ConfiguredEndpoint.isLocal("::1"));
    assertFalse(ConfiguredEndpoint.isLocal("localhost.example.com"));
    assertFalse(ConfiguredEndpoint.isLocal("10.0.0.1"));
    assertFalse(ConfiguredEndpoint.isLocal(null));
  }
}
