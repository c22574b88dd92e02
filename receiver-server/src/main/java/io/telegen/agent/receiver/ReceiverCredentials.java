package io.telegen.agent.receiver;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.util.AdvancedTlsX509KeyManager;
import io.grpc.util.AdvancedTlsX509TrustManager;
import io.grpc.util.CertificateUtils;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.telegen.agent.config.AgentConfig;
import io.telegen.agent.export.Signal;
import io.telegen.agent.telemetry.AgentTelemetry;
import io.telegen.source.ProblemLog;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * What the receiver asks of a client, from files that may change while the agent runs: its TLS
 * certificate and key and the clients' CA ({@code agent.receiver.tls}), and the bearer token
 * ({@code agent.receiver.auth.bearer_token_file}).
 *
 * <p>Each file is looked at every {@link #RELOAD_EVERY} (its modification time and size, through
 * symbolic links, so a Kubernetes secret's atomic swap counts) and read again when it changed: the
 * next handshakes and requests use what it says. A file that cannot be read or parsed (written
 * half, removed) keeps the last good one in use, logged once and once when it reads again.
 *
 * <p>The token is compared in constant time: both sides are hashed first, so neither the
 * token's bytes nor its length leak through timing.
 */
public final class ReceiverCredentials implements AutoCloseable {

  private static final Logger logger = Logger.getLogger(ReceiverCredentials.class.getName());

  /** How often the files are looked at for a change. */
  public static final Duration RELOAD_EVERY = Duration.ofSeconds(5);

  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private final ProblemLog problems = new ProblemLog(logger, "OTLP receiver");
  private final List<Watched> watched = new ArrayList<>();
  private final SslContext sslContext;
  private final Path tokenFile;
  private volatile byte[] tokenDigest;
  private final ScheduledExecutorService watcher;

  private ReceiverCredentials(AgentConfig.Receiver config, Duration reloadEvery)
      throws IOException, GeneralSecurityException {
    Optional<AgentConfig.ReceiverTls> tls = config.tls();
    sslContext = tls.isPresent() ? sslContext(tls.get()) : null;
    tokenFile = config.bearerTokenFile().orElse(null);
    if (tokenFile != null) {
      tokenDigest = digest(bearer(readToken(tokenFile)));
      watched.add(new Watched(tokenFile, "bearer_token_file", this::reloadToken));
    }
    for (Watched file : watched) {
      file.seen = stamp(file.path);
    }
    if (watched.isEmpty()) {
      watcher = null;
      return;
    }
    watcher =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "telegen-receiver-credentials");
              t.setDaemon(true);
              return t;
            });
    long every = reloadEvery.toMillis();
    watcher.scheduleWithFixedDelay(this::reloadChanged, every, every, TimeUnit.MILLISECONDS);
  }

  /**
   * Reads the receiver's certificate, key, clients' CA and token, and looks at them every {@link
   * #RELOAD_EVERY} from then on.
   *
   * @throws IOException when a file cannot be read, or {@link GeneralSecurityException} when a
   *     certificate or key cannot be parsed: the receiver cannot start with what is configured
   */
  public static ReceiverCredentials load(AgentConfig.Receiver config)
      throws IOException, GeneralSecurityException {
    return load(config, RELOAD_EVERY);
  }

  static ReceiverCredentials load(AgentConfig.Receiver config, Duration reloadEvery)
      throws IOException, GeneralSecurityException {
    return new ReceiverCredentials(config, reloadEvery);
  }

  /** The server's TLS context, when the receiver serves TLS. */
  Optional<SslContext> sslContext() {
    return Optional.ofNullable(sslContext);
  }

  /** Whether a client must prove something: a certificate's trust, or a token. */
  public boolean secured() {
    return sslContext != null || tokenFile != null;
  }

  /**
   * {@code service} behind the token check, when a token is configured: a request without {@code
   * authorization: Bearer <token>} is answered {@code UNAUTHENTICATED} and counted as {@code
   * outcome="unauthenticated"} of {@code signal}.
   */
  ServerServiceDefinition guard(
      ServerServiceDefinition service, Signal signal, AgentTelemetry telemetry) {
    return tokenFile == null
        ? service
        : ServerInterceptors.intercept(service, new TokenCheck(signal, telemetry));
  }

  private final class TokenCheck implements ServerInterceptor {
    private final Signal signal;
    private final AgentTelemetry telemetry;

    TokenCheck(Signal signal, AgentTelemetry telemetry) {
      this.signal = signal;
      this.telemetry = telemetry;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
      String given = headers.get(AUTHORIZATION);
      if (given == null || !MessageDigest.isEqual(tokenDigest, digest(given))) {
        telemetry.receiverRequest(signal, "unauthenticated");
        call.close(
            Status.UNAUTHENTICATED.withDescription(
                given == null
                    ? "this receiver requires authorization: Bearer <token>"
                    : "the bearer token is not this receiver's"),
            new Metadata());
        return new ServerCall.Listener<>() {};
      }
      return next.startCall(call, headers);
    }
  }

  private SslContext sslContext(AgentConfig.ReceiverTls tls)
      throws IOException, GeneralSecurityException {
    AdvancedTlsX509KeyManager keys = new AdvancedTlsX509KeyManager();
    loadIdentity(keys, tls);
    watched.add(new Watched(tls.certFile(), "tls.cert_file", () -> loadIdentity(keys, tls)));
    watched.add(new Watched(tls.keyFile(), "tls.key_file", () -> loadIdentity(keys, tls)));
    SslProvider provider = OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
    if (provider == SslProvider.JDK) {
      logger.warning(
          "netty-tcnative (BoringSSL) is unavailable on this platform ("
              + OpenSsl.unavailabilityCause()
              + "); the receiver uses the JDK's TLS instead");
    }
    SslContextBuilder builder =
        GrpcSslContexts.configure(SslContextBuilder.forServer(keys), provider);
    if (tls.clientCaFile().isPresent()) {
      Path ca = tls.clientCaFile().get();
      AdvancedTlsX509TrustManager trust =
          AdvancedTlsX509TrustManager.newBuilder()
              .setVerification(
                  AdvancedTlsX509TrustManager.Verification.CERTIFICATE_ONLY_VERIFICATION)
              .build();
      trust.updateTrustCredentials(certificates(ca));
      watched.add(
          new Watched(
              ca, "tls.client_ca_file", () -> trust.updateTrustCredentials(certificates(ca))));
      builder.trustManager(trust).clientAuth(ClientAuth.REQUIRE);
    }
    return builder.build();
  }

  private static void loadIdentity(AdvancedTlsX509KeyManager keys, AgentConfig.ReceiverTls tls)
      throws IOException, GeneralSecurityException {
    X509Certificate[] chain = certificates(tls.certFile());
    PrivateKey key;
    try (InputStream in = Files.newInputStream(tls.keyFile())) {
      key = CertificateUtils.getPrivateKey(in);
    }
    keys.updateIdentityCredentials(chain, key);
  }

  private static X509Certificate[] certificates(Path file)
      throws IOException, GeneralSecurityException {
    try (InputStream in = Files.newInputStream(file)) {
      X509Certificate[] certificates = CertificateUtils.getX509Certificates(in);
      if (certificates.length == 0) {
        throw new GeneralSecurityException(file + " holds no PEM certificate");
      }
      return certificates;
    }
  }

  private void reloadToken() throws IOException {
    tokenDigest = digest(bearer(readToken(tokenFile)));
  }

  private static String readToken(Path file) throws IOException {
    String token = Files.readString(file, StandardCharsets.UTF_8).strip();
    if (token.isEmpty()) {
      throw new IOException(file + " is empty");
    }
    return token;
  }

  private static String bearer(String token) {
    return "Bearer " + token;
  }

  private static byte[] digest(String value) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  /** Reads again every file whose time or size changed; keeps the last good one on failure. */
  private void reloadChanged() {
    for (Watched file : watched) {
      Object now = stamp(file.path);
      if (Objects.equals(now, file.seen)) {
        continue;
      }
      try {
        file.reload.run();
        file.seen = now;
        problems.clear(
            file.key,
            "agent.receiver." + file.key + " " + file.path + " reads again and is in use");
      } catch (IOException | GeneralSecurityException | RuntimeException e) {
        // Not marked seen: tried again next time, as a writer may not be done yet.
        problems.report(
            file.key,
            "agent.receiver."
                + file.key
                + " "
                + file.path
                + " changed but cannot be used ("
                + e.getMessage()
                + "); the receiver keeps the last good one until it can");
      }
    }
  }

  /** The file's modification time and size, or null when it cannot be read. */
  private static Object stamp(Path file) {
    try {
      BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
      return List.of(attributes.lastModifiedTime(), attributes.size());
    } catch (IOException e) {
      return null;
    }
  }

  @FunctionalInterface
  private interface Reload {
    void run() throws IOException, GeneralSecurityException;
  }

  private static final class Watched {
    final Path path;
    final String key;
    final Reload reload;
    Object seen;

    Watched(Path path, String key, Reload reload) {
      this.path = path;
      this.key = key;
      this.reload = reload;
    }
  }

  @Override
  public void close() {
    if (watcher != null) {
      watcher.shutdownNow();
    }
  }
}
