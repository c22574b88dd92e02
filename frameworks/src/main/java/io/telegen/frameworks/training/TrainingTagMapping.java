package io.telegen.frameworks.training;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which {@code training_*} metric a TensorBoard tag or a pushed OpenTelemetry metric name stands
 * for: HF Trainer's {@code train/loss}, Lightning's {@code lr-AdamW}, Keras's
 * {@code epoch_loss}, an SDK's {@code training.loss}.
 *
 * <p>A name is compared lower-cased, with {@code .} read as {@code /} (so the OpenTelemetry and
 * the TensorBoard spellings meet), against glob patterns where {@code *} matches any run of
 * characters. Rules given by the operator ({@code agent.aiml.training.tag_mapping}) are tried
 * before the built-in table, so they can both add spellings and claim one the table maps
 * elsewhere. Evaluation tags ({@code eval/loss}, {@code val_loss}, {@code validation/...}) never
 * match the built-in table: an evaluation loss is not the training loss. Immutable and
 * thread-safe; lookups are cached.
 */
public final class TrainingTagMapping {

  private static final List<String> EVALUATION_PREFIXES =
      List.of(
          "eval/",
          "eval_",
          "evaluation/",
          "val/",
          "val_",
          "validation/",
          "validation_",
          "test/",
          "test_");

  private static final Map<String, List<String>> BUILT_IN = builtIn();

  /**
   * The metrics a tag can map to: the keys {@code agent.aiml.training.tag_mapping} accepts, each
   * with built-in spellings (at least its own name, for OpenTelemetry pushes).
   */
  public static final Set<String> METRICS = BUILT_IN.keySet();

  private static final String NO_MATCH = "";

  private final List<Rule> userRules;
  private final List<Rule> builtInRules;
  private final Map<String, String> cache = new ConcurrentHashMap<>();

  private record Rule(String pattern, String metric) {}

  private TrainingTagMapping(List<Rule> userRules, List<Rule> builtInRules) {
    this.userRules = List.copyOf(userRules);
    this.builtInRules = List.copyOf(builtInRules);
  }

  /** The built-in table alone. */
  public static TrainingTagMapping defaults() {
    return new TrainingTagMapping(List.of(), rules(BUILT_IN));
  }

  /**
   * The built-in table behind the operator's rules.
   *
   * @param metricToPatterns metric name → tag patterns, as {@code agent.aiml.training.tag_mapping}
   * @throws IllegalArgumentException for a metric not in {@link #METRICS} or an empty pattern
   */
  public static TrainingTagMapping withRules(Map<String, List<String>> metricToPatterns) {
    for (Map.Entry<String, List<String>> entry : metricToPatterns.entrySet()) {
      if (!METRICS.contains(entry.getKey())) {
        throw new IllegalArgumentException(
            "'"
                + entry.getKey()
                + "' is not a training metric a "
                + "tag can map to; use one of "
                + String.join(", ", sorted(METRICS)));
      }
      for (String pattern : entry.getValue()) {
        if (pattern == null || pattern.isBlank()) {
          throw new IllegalArgumentException("an empty tag pattern for " + entry.getKey());
        }
      }
    }
    return new TrainingTagMapping(rules(metricToPatterns), rules(BUILT_IN));
  }

  /** The metric {@code tag} stands for, or null when it is none of them. */
  public String metricFor(String tag) {
    String cached = cache.get(tag);
    if (cached == null) {
      cached = lookUp(tag);
      if (cache.size() < 10_000) { // tags are a small set per job; bound it against odd senders
        cache.put(tag, cached);
      }
    }
    return cached.isEmpty() ? null : cached;
  }

  private String lookUp(String tag) {
    String normal = tag.toLowerCase(Locale.ROOT).replace('.', '/');
    for (Rule rule : userRules) {
      if (matches(rule.pattern(), normal)) {
        return rule.metric();
      }
    }
    for (String prefix : EVALUATION_PREFIXES) {
      if (normal.startsWith(prefix)) {
        return NO_MATCH;
      }
    }
    for (Rule rule : builtInRules) {
      if (matches(rule.pattern(), normal)) {
        return rule.metric();
      }
    }
    return NO_MATCH;
  }

  /** Glob match where {@code *} is any run of characters, {@code /} included. */
  static boolean matches(String pattern, String text) {
    int p = 0;
    int t = 0;
    int star = -1;
    int resume = 0;
    while (t < text.length()) {
      if (p < pattern.length() && pattern.charAt(p) == '*') {
        star = p++;
        resume = t;
      } else if (p < pattern.length() && pattern.charAt(p) == text.charAt(t)) {
        p++;
        t++;
      } else if (star >= 0) {
        p = star + 1;
        t = ++resume;
      } else {
        return false;
      }
    }
    while (p < pattern.length() && pattern.charAt(p) == '*') {
      p++;
    }
    return p == pattern.length();
  }

  private static List<Rule> rules(Map<String, List<String>> metricToPatterns) {
    List<Rule> rules = new ArrayList<>();
    metricToPatterns.forEach(
        (metric, patterns) -> {
          for (String pattern : patterns) {
            rules.add(new Rule(pattern.toLowerCase(Locale.ROOT).replace('.', '/'), metric));
          }
        });
    return rules;
  }

  private static List<String> sorted(Set<String> names) {
    return names.stream().sorted().toList();
  }

  // The spellings of research/nccl-training.md §2.5: HF Trainer (train/*, rewrite_logs), Lightning
  // (LearningRateMonitor's lr-<Optimizer>[/pg<n>], _step/_epoch suffixes), Keras (epoch_*), plain
  // loops (Loss/train), CLU (train_loss, learning_rate), and each metric's own name for OTLP.
  private static Map<String, List<String>> builtIn() {
    Map<String, List<String>> table = new LinkedHashMap<>();
    table.put(
        "training_loss",
        List.of(
            "training_loss",
            "loss",
            "train/loss",
            "training/loss",
            "train_loss",
            "train_loss_step",
            "train_loss_epoch",
            "train/loss_step",
            "train/loss_epoch",
            "loss/train",
            "epoch_loss",
            "train/epoch_loss"));
    table.put(
        "training_learning_rate",
        List.of(
            "training_learning_rate",
            "learning_rate",
            "lr",
            "lr-*",
            "lr/*",
            "train/learning_rate",
            "train/lr",
            "training/learning_rate",
            "epoch_learning_rate",
            "epoch_lr",
            "learning_rate/*",
            "optimizer/lr*"));
    table.put(
        "training_gradient_norm",
        List.of(
            "training_gradient_norm",
            "grad_norm",
            "gradient_norm",
            "global_norm",
            "grad_norm/total",
            "train/grad_norm",
            "train/gradient_norm",
            "train/global_norm",
            "training/grad_norm",
            "training/gradient_norm"));
    table.put(
        "training_epoch", List.of("training_epoch", "epoch", "train/epoch", "training/epoch"));
    table.put(
        "training_throughput_samples_per_second",
        List.of(
            "training_throughput_samples_per_second",
            "samples_per_second",
            "samples_per_sec",
            "train_samples_per_second",
            "train/train_samples_per_second",
            "train/samples_per_second",
            "training/samples_per_second",
            "throughput/samples_per_second",
            "training/throughput_samples_per_second",
            "training/throughput"));
    table.put(
        "training_step",
        List.of(
            "training_step",
            "step",
            "global_step",
            "train/step",
            "train/global_step",
            "training/step"));
    return Collections.unmodifiableMap(table);
  }
}
