package io.telegen.frameworks.serving;

import java.util.List;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.BiPredicate;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Everything the agent knows about one LLM serving framework, in one place: its name, where it
 * serves metrics, how its process is recognised on a command line, and where its model name
 * comes from. Config validation, discovery, scraping, trace correlation and the catalog test read
 * the profiles through {@link ServingFrameworks}; a framework's mapping table sits in
 * {@code io/telegen/frameworks/llm/mapping.yaml} under the same name.
 *
 * <p>Immutable; built with {@link #builder}.
 */
public final class ServingFramework {

  /**
   * Where a framework serves Prometheus metrics by default.
   *
   * @param defaultPort the port when the command line does not say
   * @param path the metrics path
   * @param advice what the operator should check when the endpoint does not answer metrics
   */
  public record MetricsEndpoint(int defaultPort, String path, String advice) {}

  /**
   * One argument of a command line, with what recognition looks at.
   *
   * @param arg the argument
   * @param base its last path element
   * @param next the argument after it, empty at the end
   */
  public record Argument(String arg, String base, String next) {}

  /**
   * Where the model name comes from when the framework's metrics carry none: an HTTP GET of
   * {@code path} on the metrics endpoint's host and port, answered with JSON.
   *
   * @param path e.g. {@code /info}
   * @param advice what the operator should check when it does not answer
   * @param model the model name in the JSON body, or null when it holds none
   */
  public record ModelLookup(String path, String advice, Function<String, String> model) {}

  // Every framework that takes these flags gives them the same meaning (TGI's --num-shard is its
  // tensor-parallel size), so they are shared rather than set per profile.
  private static final List<String> TENSOR_PARALLEL_FLAGS =
      List.of("--tensor-parallel-size", "-tp", "--tp", "--tp-size", "--num-shard");
  private static final String KV_CACHE_DTYPE_FLAG = "--kv-cache-dtype";

  private final String name;
  private final MetricsEndpoint endpoint;
  private final boolean metricsOnApiPort;
  private final Predicate<Argument> recognition;
  private final List<String> portFlags;
  private final Function<CommandLine, String> metricsOff;
  private final BiFunction<CommandLine, Function<String, String>, String> metricsPath;
  private final Function<CommandLine, String> model;
  private final Function<CommandLine, String> modelDirectory;
  private final ModelLookup modelLookup;
  private final BiPredicate<String, String> traces;

  private ServingFramework(Builder b) {
    this.name = b.name;
    this.endpoint = b.endpoint;
    this.metricsOnApiPort = b.metricsOnApiPort;
    this.recognition = b.recognition;
    this.portFlags = List.copyOf(b.portFlags);
    this.metricsOff = b.metricsOff;
    this.metricsPath = b.metricsPath;
    this.model = b.model;
    this.modelDirectory = b.modelDirectory;
    this.modelLookup = b.modelLookup;
    this.traces = b.traces;
  }

  /**
   * A profile named {@code name}.
   *
   * @param name the one spelling: key under {@code agent.aiml.frameworks}, block in
   *     {@code mapping.yaml}, value of the {@code framework} label and catalog source id
   */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  /**
   * The one spelling of the framework: its key under {@code agent.aiml.frameworks}, its block in
   * {@code mapping.yaml}, the value of the {@code framework} label and its catalog source id.
   */
  public String name() {
    return name;
  }

  /**
   * Where it serves metrics by default, or null for a library that reports over OTLP instead
   * (ONNX Runtime through telegen-onnxruntime-otel).
   */
  public MetricsEndpoint endpoint() {
    return endpoint;
  }

  /** Whether its metrics are scraped over HTTP, i.e. it has an {@link #endpoint()}. */
  public boolean scraped() {
    return endpoint != null;
  }

  /**
   * Whether it serves metrics on its API port, so a process listening on a single port other than
   * the default (set by an environment variable, e.g. {@code PORT=80} in TGI's image) is taken
   * to serve them there.
   */
  public boolean metricsOnApiPort() {
    return metricsOnApiPort;
  }

  /** Whether {@code argument} shows that a command line runs this framework. */
  public boolean recognises(Argument argument) {
    return recognition != null && recognition.test(argument);
  }

  /** The metrics port given on {@code command}, or null when the default applies. */
  public String metricsPort(CommandLine command) {
    return command.firstFlag(portFlags);
  }

  /**
   * Why a process started as {@code command} serves no metrics, as the rest of the sentence
   * {@code "<name> (pid N) ..."} with what to do, or null when it serves them.
   */
  public String metricsOff(CommandLine command) {
    return metricsOff.apply(command);
  }

  /**
   * The metrics path of a process started as {@code command}.
   *
   * @param readFile reads a file named on the command line as the process sees it; null when
   *     it cannot be read
   */
  public String metricsPath(CommandLine command, Function<String, String> readFile) {
    return metricsPath == null ? endpoint.path() : metricsPath.apply(command, readFile);
  }

  /** The model named on {@code command}, or null. */
  public String model(CommandLine command) {
    return CommandLine.firstNonBlank(model.apply(command));
  }

  /** The argument of {@code command} that may be a local model directory, or null. */
  public String modelDirectory(CommandLine command) {
    return CommandLine.firstNonBlank(modelDirectory.apply(command));
  }

  /** The tensor-parallel size given on {@code command}, or null. */
  public String tensorParallel(CommandLine command) {
    return command.firstFlag(TENSOR_PARALLEL_FLAGS);
  }

  /** The KV-cache data type given on {@code command}, or null. */
  public String kvCacheDtype(CommandLine command) {
    return command.flag(KV_CACHE_DTYPE_FLAG);
  }

  /** Where the model comes from when the metrics carry none, or null when they carry it. */
  public ModelLookup modelLookup() {
    return modelLookup;
  }

  /** Whether a span named {@code spanName} from service {@code serviceName} came from it. */
  public boolean sentSpan(String spanName, String serviceName) {
    return traces != null && traces.test(spanName, serviceName);
  }

  @Override
  public String toString() {
    return name;
  }

  /** Builds a {@link ServingFramework}; what is not set is absent or the common default. */
  public static final class Builder {
    private final String name;
    private MetricsEndpoint endpoint;
    private boolean metricsOnApiPort;
    private Predicate<Argument> recognition;
    private List<String> portFlags = List.of("--port");
    private Function<CommandLine, String> metricsOff = command -> null;
    private BiFunction<CommandLine, Function<String, String>, String> metricsPath;
    private Function<CommandLine, String> model = command -> null;
    private Function<CommandLine, String> modelDirectory = command -> null;
    private ModelLookup modelLookup;
    private BiPredicate<String, String> traces;

    private Builder(String name) {
      this.name = Objects.requireNonNull(name, "name");
    }

    /** Scraped at {@code path} on {@code defaultPort} unless the command line says otherwise. */
    public Builder endpoint(int defaultPort, String path, String advice) {
      this.endpoint = new MetricsEndpoint(defaultPort, path, advice);
      return this;
    }

    /** See {@link ServingFramework#metricsOnApiPort()}. */
    public Builder metricsOnApiPort() {
      this.metricsOnApiPort = true;
      return this;
    }

    public Builder recognisedBy(Predicate<Argument> recognition) {
      this.recognition = recognition;
      return this;
    }

    /** The flags that set the metrics port, first match wins; none when it is fixed. */
    public Builder portFlags(String... flags) {
      this.portFlags = List.of(flags);
      return this;
    }

    public Builder metricsOffWhen(Function<CommandLine, String> metricsOff) {
      this.metricsOff = Objects.requireNonNull(metricsOff);
      return this;
    }

    public Builder metricsPath(
        BiFunction<CommandLine, Function<String, String>, String> metricsPath) {
      this.metricsPath = metricsPath;
      return this;
    }

    public Builder modelFrom(Function<CommandLine, String> model) {
      this.model = Objects.requireNonNull(model);
      return this;
    }

    public Builder modelDirectoryFrom(Function<CommandLine, String> modelDirectory) {
      this.modelDirectory = Objects.requireNonNull(modelDirectory);
      return this;
    }

    public Builder modelLookup(String path, String advice, Function<String, String> model) {
      this.modelLookup = new ModelLookup(path, advice, model);
      return this;
    }

    /** How its request spans are told apart: (span name, service name) → whether they are its. */
    public Builder sendsSpans(BiPredicate<String, String> traces) {
      this.traces = traces;
      return this;
    }

    public ServingFramework build() {
      return new ServingFramework(this);
    }
  }
}
