package io.telegen.agent;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.telegen.agent.config.AgentConfig;
import io.telegen.agent.export.CoalescingExportQueue;
import io.telegen.agent.export.DiskExportQueue;
import io.telegen.agent.export.ExportLoop;
import io.telegen.agent.export.ExportQueue;
import io.telegen.agent.export.MemoryExportQueue;
import io.telegen.agent.export.MetricsPipeline;
import io.telegen.agent.export.OtlpExporter;
import io.telegen.agent.export.ShutdownDrain;
import io.telegen.agent.naming.MetricNaming;
import io.telegen.agent.naming.SemconvRenamer;
import io.telegen.agent.receiver.OtlpReceiver;
import io.telegen.agent.receiver.ReceiverCredentials;
import io.telegen.agent.receiver.ReceiverHealth;
import io.telegen.agent.schedule.SourceScheduler;
import io.telegen.agent.telemetry.AgentTelemetry;
import io.telegen.catalog.MetricCatalog;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * The running service: sources on their schedules, the OTLP receiver, and the export loop that
 * delivers both to the collector, which runs on the thread that calls {@link #exportUntilClosed}.
 */
final class Agent implements AutoCloseable {

  private static final Logger logger = Logger.getLogger(Agent.class.getName());

  private final EventLoopGroup eventLoop;
  private final OtlpExporter exporter;
  private final ExportLoop exportLoop;
  private final OtlpReceiver receiver;
  private final SourceScheduler scheduler;
  private final ExportQueue queue;
  private final AgentTelemetry telemetry;
  private final Duration shutdownTimeout;

  private Agent(
      EventLoopGroup eventLoop,
      OtlpExporter exporter,
      ExportLoop exportLoop,
      OtlpReceiver receiver,
      SourceScheduler scheduler,
      ExportQueue queue,
      AgentTelemetry telemetry,
      Duration shutdownTimeout) {
    this.eventLoop = eventLoop;
    this.shutdownTimeout = shutdownTimeout;
    this.exporter = exporter;
    this.exportLoop = exportLoop;
    this.receiver = receiver;
    this.scheduler = scheduler;
    this.queue = queue;
    this.telemetry = telemetry;
  }

  /**
   * Starts everything {@code config} asks for.
   *
   * @throws IOException when the receiver cannot bind its address
   */
  static Agent start(AgentConfig config, Sources sources, Clock clock) throws IOException {
    String version = AgentInfo.version();
    // One I/O thread serves both the receiver and the exporter's channel: the agent moves a few
    // requests a second, and every thread costs memory on every GPU node.
    EventLoopGroup eventLoop = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    OtlpExporter exporter = null;
    SourceScheduler scheduler = null;
    try {
      AgentTelemetry telemetry = sources.telemetry();
      ExportQueue queue = queue(config.exporter(), telemetry);
      telemetry.queueLength(queue::size);
      exporter = OtlpExporter.create(config.exporter(), eventLoop);
      ExportLoop exportLoop =
          new ExportLoop(
              // One OTLP request for what queued up together: a round of sources, a burst.
              new CoalescingExportQueue(queue),
              exporter,
              telemetry,
              config.exporter().retryInitialInterval(),
              config.exporter().retryMaxInterval());

      OtlpReceiver receiver = null;
      if (config.receiver().enabled()) {
        ReceiverHealth health = new ReceiverHealth();
        exportLoop.onStateChange(health::exportState);
        ReceiverCredentials credentials = credentials(config.receiver());
        warnIfOpen(config.receiver(), credentials);
        receiver =
            OtlpReceiver.builder()
                .host(config.receiver().host())
                .port(config.receiver().port())
                .maxRequestBytes(config.receiver().maxRequestBytes())
                .eventLoop(eventLoop)
                .queue(queue)
                .telemetry(telemetry)
                .hostName(AgentInfo.hostName())
                .serviceName(config.serviceName())
                .agentVersion(version)
                .traceObserver(sources.traceObserver())
                .metricNames(sources.metricNames())
                .health(health)
                .credentials(credentials)
                .start();
      }

      MetricsPipeline pipeline =
          new MetricsPipeline(
              resourceAttributes(config, version),
              version,
              queue,
              telemetry,
              config.naming() == MetricNaming.SPEC ? null : SemconvRenamer.of(config.naming()));
      // The event loop times the sources' ticks too: a tick only hands a collection to the
      // collection threads, and a thread of its own would be one more on every node.
      scheduler =
          new SourceScheduler(
              MetricCatalog.load(), telemetry, pipeline::accept, clock, eventLoop.next());
      sources.addTo(scheduler, true);
      scheduler.start();
      return new Agent(
          eventLoop,
          exporter,
          exportLoop,
          receiver,
          scheduler,
          queue,
          telemetry,
          config.exporter().shutdownTimeout());
    } catch (IOException | RuntimeException e) {
      if (scheduler != null) {
        scheduler.close();
      }
      if (exporter != null) {
        exporter.close();
      }
      eventLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      throw e;
    }
  }

  /**
   * The receiver's TLS material and token, read now.
   *
   * @throws IOException naming the key and file when one cannot be used
   */
  private static ReceiverCredentials credentials(AgentConfig.Receiver receiver) throws IOException {
    try {
      return ReceiverCredentials.load(receiver);
    } catch (GeneralSecurityException | IOException e) {
      throw new IOException(
          "agent.receiver.tls / agent.receiver.auth: cannot use the configured files ("
              + e.getMessage()
              + "); check that cert_file and key_file are a PEM certificate chain and its"
              + " PKCS#8 private key, and client_ca_file a PEM CA certificate",
          e);
    }
  }

  /** Says once, at start, that a receiver others can reach lets anyone in. */
  static void warnIfOpen(AgentConfig.Receiver receiver, ReceiverCredentials credentials) {
    if (credentials.secured() || isLoopback(receiver.host())) {
      return;
    }
    logger.warning(
        "the OTLP receiver listens on "
            + receiver.host()
            + ":"
            + receiver.port()
            + " without TLS or a bearer token: anything that reaches it can send data in this"
            + " node's name. Set agent.receiver.tls.cert_file and key_file, or"
            + " agent.receiver.auth.bearer_token_file, or bind agent.receiver.endpoint to"
            + " 127.0.0.1");
  }

  private static boolean isLoopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /**
   * What a queue may hold in memory: a quarter of the heap at most, since the rest is the agent's
   * and an outage must not end it by OutOfMemoryError (the launcher exits on one), which would lose
   * everything queued. A disk queue holds requests in memory only while its directory cannot be
   * written.
   */
  private static long inMemoryBytes(AgentConfig.Exporter exporter) {
    return Math.min(exporter.queueMaxBytes(), Runtime.getRuntime().maxMemory() / 4);
  }

  /** The export queue: on disk where {@code agent.exporter.queue.directory} says, else memory. */
  private static ExportQueue queue(AgentConfig.Exporter exporter, AgentTelemetry telemetry)
      throws IOException {
    if (exporter.queueDirectory().isEmpty()) {
      return new MemoryExportQueue(exporter.queueMaxRequests(), inMemoryBytes(exporter));
    }
    Path directory = exporter.queueDirectory().get();
    DiskExportQueue queue;
    try {
      queue =
          DiskExportQueue.open(
              directory,
              exporter.queueMaxRequests(),
              exporter.queueMaxBytes(),
              inMemoryBytes(exporter));
    } catch (IOException e) {
      throw new IOException(
          "agent.exporter.queue.directory: cannot open the export queue in "
              + directory
              + " ("
              + e.getMessage()
              + "); create it writable for the agent's user, or unset the key to queue in"
              + " memory",
          e);
    }
    telemetry.queueDisk(queue::onDisk, queue::corruptRecords);
    return queue;
  }

  /** The resource of the agent's own metrics: configured and environment attributes, then ours. */
  static List<KeyValue> resourceAttributes(AgentConfig config, String version) {
    Map<String, String> attributes = new LinkedHashMap<>();
    attributes.put("host.name", AgentInfo.hostName());
    // Unique per node, so that behind a gateway tier the agents' series do not collide.
    attributes.put("service.instance.id", AgentInfo.hostName());
    attributes.putAll(config.resourceAttributes());
    attributes.put("service.name", config.serviceName());
    attributes.put("service.version", version);
    attributes.put("telegen.agent.version", version);
    List<KeyValue> out = new ArrayList<>(attributes.size());
    attributes.forEach(
        (k, v) ->
            out.add(
                KeyValue.newBuilder()
                    .setKey(k)
                    .setValue(AnyValue.newBuilder().setStringValue(v))
                    .build()));
    return out;
  }

  /**
   * Delivers what is queued on the calling thread until {@link #close}: the caller (the agent's
   * main thread, which has nothing else to do) is the export loop's thread.
   */
  void exportUntilClosed() {
    exportLoop.runHere();
  }

  int receiverPort() {
    return receiver == null ? -1 : receiver.port();
  }

  int queued() {
    return queue.size();
  }

  AgentTelemetry telemetry() {
    return telemetry;
  }

  /**
   * Stops taking data (sources, then the receiver), delivers what is held only in memory for up
   * to {@code agent.exporter.shutdown_timeout} (a disk queue holds it on disk already, unless the
   * disk was full), and closes; what is still queued on disk is resumed at the next start.
   */
  @Override
  public void close() {
    scheduler.close();
    if (receiver != null) {
      receiver.close();
    }
    try {
      new ShutdownDrain(queue).await(shutdownTimeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    exportLoop.stop();
    exporter.close();
    if (queue instanceof DiskExportQueue disk) {
      disk.close(); // what is still queued is forced to the disk, for the next start
    }
    eventLoop.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3_000);
  }
}
