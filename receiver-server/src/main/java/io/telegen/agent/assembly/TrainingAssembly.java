package io.telegen.agent.assembly;

import io.telegen.agent.config.AgentConfig;
import io.telegen.agent.config.Durations;
import io.telegen.frameworks.training.TrainingJobSource;
import io.telegen.frameworks.training.TrainingProcessDiscovery;
import io.telegen.frameworks.training.TrainingTagMapping;
import java.time.Duration;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Training jobs: the processes of {@code detect_frameworks} and the run directories found through
 * their open event files and under {@code log_dirs}, read every {@code agent.aiml.scrape_interval}.
 * Also renames the metrics jobs push to the receiver to the same {@code training_*} names.
 */
final class TrainingAssembly implements CapabilityAssembly {

  /** How often {@code /proc} and the log directories are read again for jobs and runs. */
  static final Duration REDISCOVER_EVERY = Duration.ofSeconds(30);

  @Override
  public Assembled assemble(NodeContext node) {
    AgentConfig config = node.config();
    AgentConfig.Training training = config.aiml().training();
    if (!training.enabled()) {
      return Assembled.builder()
          .finding("training: off (agent.aiml.training.enabled: false)")
          .build();
    }
    Assembled.Builder assembled = Assembled.builder();
    TrainingTagMapping tagMapping = TrainingTagMapping.withRules(training.tagMapping());
    assembled.metricNames(metricNames(tagMapping));
    TrainingProcessDiscovery discovery =
        new TrainingProcessDiscovery(
            node.procRoot(), Set.copyOf(training.detectFrameworks()), training.logDirs());
    TrainingJobSource source =
        TrainingJobSource.builder(discovery)
            .tagMapping(tagMapping)
            .node(node.nodeName())
            .gpuProcesses(node.gpuProcesses())
            .owners(node.processAttributions())
            .rediscoverEvery(REDISCOVER_EVERY)
            .startUnixNanos(node.startUnixNanos())
            .build();
    assembled
        .deviceAttribution(source.deviceAttribution())
        .processAttribution(source.processAttribution());
    TrainingProcessDiscovery.Result found = source.discover();
    String where =
        training.exportMetrics()
            ? ""
            : " (shown by collect, not exported: " + "agent.aiml.training.export_metrics: false)";
    for (TrainingProcessDiscovery.TrainingProcess process : found.processes()) {
      assembled.finding(
          "training: "
              + process.framework()
              + " pid "
              + process.pid()
              + ", job "
              + process.job()
              + (process.rank() == null ? "" : ", rank " + process.rank())
              + " ("
              + process.evidence()
              + ")"
              + where);
    }
    for (TrainingProcessDiscovery.RunDirectory run : found.runs()) {
      assembled.finding(
          "training: reading "
              + run.directory()
              + (run.owner() == null
                  ? " (under log_dirs, job " + run.job() + ")"
                  : " (pid " + run.owner().pid() + ")"));
    }
    for (String note : found.notes()) {
      assembled.finding("training: " + note);
    }
    if (found.processes().isEmpty() && found.runs().isEmpty()) {
      assembled.finding(
          "training: no "
              + String.join(", ", training.detectFrameworks())
              + " training process under "
              + node.procRoot()
              + (training.logDirs().isEmpty()
                  ? ""
                  : " and no run being written under " + training.logDirs())
              + "; looking again "
              + "every "
              + Durations.show(REDISCOVER_EVERY)
              + where);
    }
    return assembled
        .source(
            new ScheduledSource(source, config.aiml().scrapeInterval(), training.exportMetrics()))
        .build();
  }

  /**
   * The receiver's renaming: a job's {@code train/loss} becomes {@code training_loss}, the name
   * the event-file reader gives the same value; other names are kept.
   */
  private static UnaryOperator<String> metricNames(TrainingTagMapping tagMapping) {
    return name -> {
      String metric = tagMapping.metricFor(name);
      return metric == null ? name : metric;
    };
  }
}
