package io.telegen.frameworks.llm;

import io.telegen.frameworks.llm.Mapping.Framework;
import io.telegen.frameworks.llm.Mapping.Kind;
import io.telegen.frameworks.llm.Mapping.Operand;
import io.telegen.frameworks.llm.Mapping.Rule;
import io.telegen.frameworks.prometheus.LabelSet;
import io.telegen.frameworks.prometheus.MetricKind;
import io.telegen.frameworks.prometheus.SampleHandler;
import io.telegen.source.Labels;
import io.telegen.source.MetricBatch;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Turns one LLM server's Prometheus payload into the catalog's {@code llm_*} metrics.
 *
 * <p>Use one instance per target, across scrapes: {@link #beginScrape()}, pass it to
 * {@link io.telegen.frameworks.prometheus.PrometheusTextParser} as the handler, then
 * {@link #endScrape(MetricBatch)}. It keeps state between scrapes (counter start times, previous
 * values for rates and batch-size ratios) and is not thread-safe.
 *
 * <p>What maps to what is data: {@code io/telegen/frameworks/llm/mapping.yaml}. This class only
 * interprets that table, so a new framework version is a table edit, not a code change.
 *
 * <p>Cross-scrape behaviour:
 * <ul>
 *   <li>A cumulative counter or histogram keeps the start time of the scrape that first saw it.
 *       When it goes down (a server restart) its start time becomes this scrape's time, so
 *       downstream {@code rate()} sees a reset rather than a negative step.
 *   <li>Rates ({@code llm_tokens_per_second}) and delta ratios ({@code llm_batch_size} of Triton,
 *       TF Serving) need two scrapes: absent on the first, and absent on the scrape where the
 *       counter went down. The new value is not used as "the delta since restart" because the
 *       restart may have happened anywhere inside the interval, which would understate the rate.
 *   <li>State of series missing from a scrape is dropped, so churning label sets cannot grow
 *       memory without bound; such a series starts afresh if it comes back.
 * </ul>
 */
public final class LlmNormalizer implements SampleHandler {

  private static final String UNKNOWN_MODEL = "unknown";
  private static final int MAX_NUMBERS = 4096;

  // The keys below spell out equals and hashCode: a record's generated ones call through method
  // handles that the client compiler the launcher runs (-XX:TieredStopAtLevel=1) does not inline,
  // and these run for every sample of every scrape (bench/scrape.sh: with the other keys of the
  // scrape path, 12 % of the collection threads' CPU).

  /** A sample's share of an output series, before model resolution. */
  private record SeriesKey(String model, String engine, String status) {
    @Override
    public boolean equals(Object o) {
      return o instanceof SeriesKey k
          && Objects.equals(model, k.model)
          && Objects.equals(engine, k.engine)
          && Objects.equals(status, k.status);
    }

    @Override
    public int hashCode() {
      return (Objects.hashCode(model) * 31 + Objects.hashCode(engine)) * 31
          + Objects.hashCode(status);
    }
  }

  private record AccKey(int rule, int alternative, SeriesKey series) {
    @Override
    public boolean equals(Object o) {
      return o instanceof AccKey k
          && rule == k.rule
          && alternative == k.alternative
          && series.equals(k.series);
    }

    @Override
    public int hashCode() {
      return (rule * 31 + alternative) * 31 + series.hashCode();
    }
  }

  /** A source sample name's role in one rule. */
  private enum Role {
    VALUE,
    BUCKET,
    SUM,
    COUNT,
    OPERAND,
    LABELS
  }

  private record Binding(Rule rule, int alternative, Role role, int operand) {}

  private record SeenSample(String name, LabelSet labels) {
    @Override
    public boolean equals(Object o) {
      return o instanceof SeenSample k && name.equals(k.name) && labels.equals(k.labels);
    }

    @Override
    public int hashCode() {
      return name.hashCode() * 31 + labels.hashCode();
    }
  }

  /** One scrape's accumulation for a rule's output series. */
  private static final class Acc {
    double value;
    final TreeMap<Double, Double> buckets = new TreeMap<>();
    double sum;
    double count = Double.NaN;
    double[] operands;
    boolean[] hasOperand;
  }

  /** One output series' value for this scrape. */
  private static final class Out {
    final int rule;
    final Kind kind;
    double value;
    double[] bounds;
    long[] bucketCounts;
    double sum;
    long count;

    Out(int rule, Kind kind) {
      this.rule = rule;
      this.kind = kind;
    }
  }

  private record StateKey(String target, Labels labels) {
    @Override
    public boolean equals(Object o) {
      return o instanceof StateKey k && target.equals(k.target) && labels.equals(k.labels);
    }

    @Override
    public int hashCode() {
      return target.hashCode() * 31 + labels.hashCode();
    }
  }

  /** What a cumulative series looked like at the previous scrape. */
  private record CounterState(long startNanos, double last, long lastNanos) {}

  private record RatioState(double numerator, double denominator) {}

  private final LlmTarget target;
  private final Framework framework;
  private final Mapping mapping;
  private final Map<String, List<Binding>> bindings = new HashMap<>();

  private final Map<AccKey, Acc> accs = new LinkedHashMap<>();
  private final Set<SeenSample> seen = new HashSet<>();
  private final Set<String> sourceModels = new HashSet<>();
  private boolean[][] alternativesSeen;
  private int duplicates;
  private int lastDuplicates;
  private Set<String> lastModels = Set.of();

  private Map<StateKey, CounterState> counters = new HashMap<>();
  private Map<StateKey, RatioState> ratios = new HashMap<>();
  // filled while computing this scrape's ratios; becomes `ratios` once the scrape is written
  private Map<StateKey, RatioState> nextRatios = new HashMap<>();
  // start time of each cumulative output of the scrape being written
  private final Map<Out, Long> startTimes = new java.util.IdentityHashMap<>();
  // The output labels of the last scrape's series and of this one's (model resolved): a scrape
  // repeats the series of the one before, whose labels are then not built again.
  private Map<SeriesKey, Labels> lastLabels = new HashMap<>();
  private Map<SeriesKey, Labels> nextLabels = new HashMap<>();
  // Label values read as numbers (le bounds, cache sizes): the same few strings every scrape.
  private final Map<String, Double> numbers = new HashMap<>();

  private LlmNormalizer(LlmTarget target, Framework framework, Mapping mapping) {
    this.target = target;
    this.framework = framework;
    this.mapping = mapping;
    for (Rule rule : framework.rules()) {
      switch (rule.kind()) {
        case COUNTER, GAUGE -> bindAlternatives(rule, "", Role.VALUE);
        case HISTOGRAM_SUM -> bindAlternatives(rule, "_sum", Role.VALUE);
        case LABEL_PRODUCT -> bindAlternatives(rule, "", Role.LABELS);
        case HISTOGRAM -> {
          bindAlternatives(rule, "_bucket", Role.BUCKET);
          bindAlternatives(rule, "_sum", Role.SUM);
          bindAlternatives(rule, "_count", Role.COUNT);
        }
        case PRODUCT, DELTA_RATIO -> {
          for (int i = 0; i < rule.operands().size(); i++) {
            bind(rule.operands().get(i).source(), new Binding(rule, 0, Role.OPERAND, i));
          }
        }
        case RATE -> {}
      }
    }
    alternativesSeen = newSeen();
  }

  /**
   * A normalizer for {@code target}.
   *
   * @throws IllegalArgumentException when the framework is not in the mapping table
   */
  public static LlmNormalizer create(LlmTarget target) {
    Mapping mapping = Mapping.get();
    Framework framework = mapping.framework(target.framework());
    if (framework == null) {
      throw new IllegalArgumentException(
          "unknown LLM framework '"
              + target.framework()
              + "'; known: "
              + new TreeSet<>(mapping.frameworkNames()));
    }
    return new LlmNormalizer(target, framework, mapping);
  }

  /** The framework names {@link #create} accepts. */
  public static Set<String> frameworks() {
    return Set.copyOf(Mapping.get().frameworkNames());
  }

  /** Starts collecting one scrape's samples, forgetting any half-collected previous one. */
  public void beginScrape() {
    accs.clear();
    seen.clear();
    sourceModels.clear();
    duplicates = 0;
    for (boolean[] seenOfRule : alternativesSeen) {
      Arrays.fill(seenOfRule, false);
    }
  }

  /** Ignored: rules select samples by name, and the declared type adds nothing they need. */
  @Override
  public void family(String name, MetricKind kind, String help) {}

  /** None: see {@link #family}. */
  @Override
  public boolean wantsFamilies() {
    return false;
  }

  /** The samples a rule of the table reads; the parser builds no labels for the others. */
  @Override
  public boolean wants(String name) {
    return bindings.containsKey(name);
  }

  @Override
  public void sample(String name, String familyName, LabelSet labels, double value) {
    List<Binding> matches = bindings.get(name);
    if (matches == null) {
      return;
    }
    // Only samples the table uses are remembered: that bounds the set and is all that can be
    // double-counted. Label order counts, as in LabelSet.equals.
    if (!seen.add(new SeenSample(name, labels))) {
      duplicates++;
      return;
    }
    String model = framework.modelLabel() == null ? null : labels.get(framework.modelLabel());
    if (model != null) {
      sourceModels.add(model);
    }
    String engine = framework.engineLabel() == null ? null : labels.get(framework.engineLabel());
    for (Binding b : matches) {
      Rule rule = b.rule();
      Map<String, String> where =
          b.role() == Role.OPERAND ? rule.operands().get(b.operand()).where() : rule.where();
      if (!matches(labels, where)) {
        continue;
      }
      SeriesKey series = new SeriesKey(model, engine, rule.status().of(labels));
      Acc acc =
          accs.computeIfAbsent(new AccKey(rule.index(), b.alternative(), series), k -> new Acc());
      alternativesSeen[rule.index()][b.alternative()] = true;
      switch (b.role()) {
        case VALUE -> acc.value += value;
        case SUM -> acc.sum += value;
        case COUNT -> acc.count = Double.isNaN(acc.count) ? value : acc.count + value;
        case BUCKET -> {
          Double bound = number(labels.get("le"));
          if (bound != null) {
            acc.buckets.merge(bound, value, Double::sum);
          }
        }
        case LABELS -> {
          double product = 1;
          for (String label : rule.labels()) {
            Double factor = number(labels.get(label));
            if (factor == null) {
              product = Double.NaN; // "None" before the engine has sized its cache
              break;
            }
            product *= factor;
          }
          acc.value += product;
        }
        case OPERAND -> {
          if (acc.operands == null) {
            acc.operands = new double[rule.operands().size()];
            acc.hasOperand = new boolean[rule.operands().size()];
          }
          Operand operand = rule.operands().get(b.operand());
          double v = value;
          if (operand.weightLabel() != null) {
            Double weight = number(labels.get(operand.weightLabel()));
            v = weight == null ? Double.NaN : value * weight;
          }
          acc.operands[b.operand()] += v;
          acc.hasOperand[b.operand()] = true;
        }
      }
    }
  }

  /**
   * Writes this scrape's {@code llm_*} points into {@code batch}, all at
   * {@code batch.timeUnixNanos()}, and keeps what the next scrape needs for rates and resets.
   */
  public void endScrape(MetricBatch batch) {
    long now = batch.timeUnixNanos();
    String soleModel = sourceModels.size() == 1 ? sourceModels.iterator().next() : null;
    // target -> labels -> value; LinkedHashMap keeps table order for readable output
    Map<String, Map<Labels, Out>> outs = new LinkedHashMap<>();
    Set<String> models = new TreeSet<>();
    int[] chosen = chosenAlternatives();

    for (Map.Entry<AccKey, Acc> e : accs.entrySet()) {
      AccKey key = e.getKey();
      Rule rule = framework.rules().get(key.rule());
      if (rule.kind() != Kind.PRODUCT
          && rule.kind() != Kind.DELTA_RATIO
          && key.alternative() != chosen[key.rule()]) {
        continue;
      }
      String model = resolveModel(key.series().model(), soleModel);
      Labels labels = cachedLabels(model, key.series());
      Out out = compute(rule, labels, e.getValue());
      if (out == null) {
        continue;
      }
      Map<Labels, Out> byLabels = outs.computeIfAbsent(rule.target(), t -> new LinkedHashMap<>());
      Out existing = byLabels.get(labels);
      if (existing == null) {
        byLabels.put(labels, out);
        models.add(model);
      } else if (existing.rule == rule.index() && out.kind != Kind.HISTOGRAM) {
        existing.value += out.value; // same rule, series that only differed by the model source
      } // else an earlier rule already gave this series: first rule wins
    }

    Map<StateKey, CounterState> nextCounters = new HashMap<>();
    Map<StateKey, Double> rates = new HashMap<>();
    for (Map.Entry<String, Map<Labels, Out>> e : outs.entrySet()) {
      for (Map.Entry<Labels, Out> s : e.getValue().entrySet()) {
        Out out = s.getValue();
        if (out.kind == Kind.COUNTER
            || out.kind == Kind.HISTOGRAM_SUM
            || out.kind == Kind.HISTOGRAM) {
          StateKey key = new StateKey(e.getKey(), s.getKey());
          double cumulative = out.kind == Kind.HISTOGRAM ? out.count : out.value;
          CounterState previous = counters.get(key);
          long start = now;
          if (previous != null && cumulative >= previous.last()) {
            start = previous.startNanos();
            if (now > previous.lastNanos()) {
              rates.put(key, (cumulative - previous.last()) * 1e9 / (now - previous.lastNanos()));
            }
          }
          nextCounters.put(key, new CounterState(start, cumulative, now));
          startTimes.put(out, start);
        }
      }
    }
    counters = nextCounters;

    for (Rule rule : framework.rules()) {
      if (rule.kind() != Kind.RATE) {
        continue;
      }
      Map<Labels, Out> source = outs.getOrDefault(rule.of(), Map.of());
      for (Labels labels : source.keySet()) {
        Double rate = rates.get(new StateKey(rule.of(), labels));
        if (rate == null) {
          continue;
        }
        Out out = new Out(rule.index(), Kind.GAUGE);
        out.value = rate;
        outs.computeIfAbsent(rule.target(), t -> new LinkedHashMap<>()).putIfAbsent(labels, out);
      }
    }

    completeKvCache(outs);
    write(batch, outs);
    startTimes.clear();
    ratios = nextRatios;
    nextRatios = new HashMap<>();
    Map<SeriesKey, Labels> swap = lastLabels;
    lastLabels = nextLabels;
    nextLabels = swap;
    nextLabels.clear();
    lastModels = Set.copyOf(models);
    lastDuplicates = duplicates;
  }

  /** Model names in the last scrape's output, for logs. */
  public Set<String> modelsSeen() {
    return lastModels;
  }

  /**
   * Samples of the last scrape that repeated an earlier sample's name and labels; the first one
   * was used and the repeats ignored, so nothing is counted twice.
   */
  public int duplicatesInLastScrape() {
    return lastDuplicates;
  }

  private Out compute(Rule rule, Labels labels, Acc acc) {
    Out out = new Out(rule.index(), rule.kind());
    switch (rule.kind()) {
      case COUNTER, GAUGE, HISTOGRAM_SUM, LABEL_PRODUCT -> {
        if (Double.isNaN(acc.value)) {
          return null;
        }
        out.value = scale(acc.value, rule.scale());
        return rule.kind() == Kind.LABEL_PRODUCT ? asGauge(out) : out;
      }
      case PRODUCT -> {
        if (acc.operands == null) {
          return null;
        }
        double product = 1;
        for (int i = 0; i < acc.operands.length; i++) {
          if (!acc.hasOperand[i]) {
            return null;
          }
          product *= acc.operands[i];
        }
        out.value = scale(product, rule.scale());
        return asGauge(out);
      }
      case DELTA_RATIO -> {
        if (acc.operands == null
            || !acc.hasOperand[0]
            || !acc.hasOperand[1]
            || Double.isNaN(acc.operands[0])) {
          return null;
        }
        StateKey key = new StateKey(rule.target() + "#" + rule.index(), labels);
        RatioState previous = ratios.get(key);
        RatioState current = new RatioState(acc.operands[0], acc.operands[1]);
        nextRatios.put(key, current);
        if (previous == null) {
          return null;
        }
        double dNum = current.numerator() - previous.numerator();
        double dDen = current.denominator() - previous.denominator();
        // no executions in the interval: there was no batch to measure; negative: a restart
        if (dDen <= 0 || dNum < 0) {
          return null;
        }
        out.value = scale(dNum / dDen, rule.scale());
        return asGauge(out);
      }
      case HISTOGRAM -> {
        return histogram(rule, acc, out);
      }
      default -> {
        return null;
      }
    }
  }

  private static Out asGauge(Out out) {
    Out gauge = new Out(out.rule, Kind.GAUGE);
    gauge.value = out.value;
    return gauge;
  }

  /** Cumulative {@code le} buckets to per-bucket counts; the +Inf bucket becomes the overflow. */
  private static Out histogram(Rule rule, Acc acc, Out out) {
    if (acc.buckets.isEmpty()) {
      return null; // a summary or a bare _sum/_count carries no distribution
    }
    Double infinite = acc.buckets.get(Double.POSITIVE_INFINITY);
    double total =
        !Double.isNaN(acc.count)
            ? acc.count
            : infinite != null ? infinite : acc.buckets.lastEntry().getValue();
    List<Double> bounds = new ArrayList<>();
    List<Double> cumulative = new ArrayList<>();
    for (Map.Entry<Double, Double> b : acc.buckets.entrySet()) {
      if (!b.getKey().isInfinite()) {
        bounds.add(b.getKey());
        cumulative.add(b.getValue());
      }
    }
    out.bounds = new double[bounds.size()];
    out.bucketCounts = new long[bounds.size() + 1];
    double below = 0;
    for (int i = 0; i < bounds.size(); i++) {
      out.bounds[i] = scale(bounds.get(i), rule.scale());
      // a malformed payload with a shrinking cumulative count gives 0, not a negative bucket
      out.bucketCounts[i] = Math.max(0, Math.round(cumulative.get(i) - below));
      below = Math.max(below, cumulative.get(i));
    }
    out.bucketCounts[bounds.size()] = Math.max(0, Math.round(total - below));
    out.count = Math.round(total);
    out.sum = scale(acc.sum, rule.scale());
    return out;
  }

  /**
   * Fills in the KV-cache set per series from what the server gave: usage tokens from ratio x
   * capacity, the ratio from usage / capacity, and bytes from tokens x bytes per token when the
   * target knows it. Nothing else is inferred (capacity is never guessed from usage / ratio).
   */
  private void completeKvCache(Map<String, Map<Labels, Out>> outs) {
    Map<Labels, Out> ratio =
        outs.computeIfAbsent("llm_kv_cache_usage_ratio", t -> new LinkedHashMap<>());
    Map<Labels, Out> used =
        outs.computeIfAbsent("llm_kv_cache_usage_tokens", t -> new LinkedHashMap<>());
    Map<Labels, Out> capacity =
        outs.computeIfAbsent("llm_kv_cache_capacity_tokens", t -> new LinkedHashMap<>());
    Set<Labels> series = new java.util.LinkedHashSet<>();
    series.addAll(ratio.keySet());
    series.addAll(used.keySet());
    series.addAll(capacity.keySet());
    Long bytesPerToken = target.kvCache() == null ? null : target.kvCache().bytesPerToken();
    for (Labels labels : series) {
      Out r = ratio.get(labels);
      Out u = used.get(labels);
      Out c = capacity.get(labels);
      if (u == null && r != null && c != null) {
        u = gauge(r.value * c.value);
        used.put(labels, u);
      }
      if (r == null && u != null && c != null && c.value > 0) {
        ratio.put(labels, gauge(u.value / c.value));
      }
      if (bytesPerToken != null) {
        if (u != null) {
          outs.computeIfAbsent("llm_kv_cache_usage_bytes", t -> new LinkedHashMap<>())
              .put(labels, gauge(u.value * bytesPerToken));
        }
        if (c != null) {
          outs.computeIfAbsent("llm_kv_cache_capacity_bytes", t -> new LinkedHashMap<>())
              .put(labels, gauge(c.value * bytesPerToken));
        }
      }
    }
  }

  private static Out gauge(double value) {
    Out out = new Out(-1, Kind.GAUGE);
    out.value = value;
    return out;
  }

  private void write(MetricBatch batch, Map<String, Map<Labels, Out>> outs) {
    for (Map.Entry<String, Map<Labels, Out>> e : outs.entrySet()) {
      String name = e.getKey();
      if (!target.wants(mapping.group(name))) {
        continue;
      }
      for (Map.Entry<Labels, Out> s : e.getValue().entrySet()) {
        Out out = s.getValue();
        switch (out.kind) {
          case COUNTER, HISTOGRAM_SUM ->
              batch.counter(name, out.value, startTimes.get(out), s.getKey());
          case HISTOGRAM ->
              batch.histogram(
                  name,
                  out.bounds,
                  out.bucketCounts,
                  out.sum,
                  out.count,
                  startTimes.get(out),
                  s.getKey());
          default -> batch.gauge(name, out.value, s.getKey());
        }
      }
    }
  }

  private Labels cachedLabels(String model, SeriesKey series) {
    SeriesKey key =
        Objects.equals(model, series.model())
            ? series
            : new SeriesKey(model, series.engine(), series.status());
    Labels labels = nextLabels.get(key);
    if (labels == null) {
      labels = lastLabels.get(key);
      if (labels == null) {
        labels = labels(model, series);
      }
      nextLabels.put(key, labels);
    }
    return labels;
  }

  private Labels labels(String model, SeriesKey series) {
    Labels labels =
        Labels.of("model", model, "instance", target.instance(), "framework", framework.name());
    if (target.gpu() != null) {
      labels = labels.and("gpu", target.gpu());
    }
    if (series.engine() != null) {
      labels = labels.and("engine", series.engine());
    }
    if (series.status() != null) {
      labels = labels.and("status", series.status());
    }
    return target.owner().attributes().isEmpty() ? labels : labels.and(target.owner());
  }

  /**
   * The server's own model label wins; a series without one (TGI, llama.cpp, vLLM's
   * cache_config_info) takes the configured override, else the only model this scrape showed.
   */
  private String resolveModel(String model, String soleModel) {
    if (model != null) {
      return model;
    }
    if (target.modelOverride() != null) {
      return target.modelOverride();
    }
    return soleModel != null ? soleModel : UNKNOWN_MODEL;
  }

  /** Per rule, the first alternative name (newest) that had samples in this scrape. */
  private int[] chosenAlternatives() {
    int[] chosen = new int[alternativesSeen.length];
    for (int r = 0; r < alternativesSeen.length; r++) {
      chosen[r] = -1;
      for (int a = 0; a < alternativesSeen[r].length; a++) {
        if (alternativesSeen[r][a]) {
          chosen[r] = a;
          break;
        }
      }
    }
    return chosen;
  }

  private boolean[][] newSeen() {
    boolean[][] s = new boolean[framework.rules().size()][];
    for (Rule rule : framework.rules()) {
      s[rule.index()] = new boolean[Math.max(1, rule.sources().size())];
    }
    return s;
  }

  private void bindAlternatives(Rule rule, String suffix, Role role) {
    for (int i = 0; i < rule.sources().size(); i++) {
      bind(rule.sources().get(i) + suffix, new Binding(rule, i, role, 0));
    }
  }

  private void bind(String name, Binding binding) {
    bindings.computeIfAbsent(name, n -> new ArrayList<>()).add(binding);
  }

  private static boolean matches(LabelSet labels, Map<String, String> where) {
    for (Map.Entry<String, String> w : where.entrySet()) {
      if (!w.getValue().equals(labels.get(w.getKey()))) {
        return false;
      }
    }
    return true;
  }

  /** {@link #parseDouble}, remembered for the strings of the last scrapes (a bounded set). */
  private Double number(String text) {
    if (text == null) {
      return null;
    }
    Double cached = numbers.get(text);
    if (cached == null) {
      cached = parseDouble(text);
      if (cached != null) {
        if (numbers.size() >= MAX_NUMBERS) {
          numbers.clear(); // values that churn (a counter in a label) start the set over
        }
        numbers.put(text, cached);
      }
    }
    return cached;
  }

  private static Double parseDouble(String text) {
    if (text == null) {
      return null;
    }
    switch (text) {
      case "+Inf", "Inf" -> {
        return Double.POSITIVE_INFINITY;
      }
      default -> {
        try {
          return Double.parseDouble(text);
        } catch (NumberFormatException e) {
          return null;
        }
      }
    }
  }

  /**
   * Unit conversion in decimal, so that 10 us becomes exactly 1.0E-5 s and bucket bounds stay
   * the round numbers the server configured rather than 9.999999999999999E-6.
   */
  private static double scale(double value, double scale) {
    if (scale == 1.0 || Double.isNaN(value) || Double.isInfinite(value)) {
      return value;
    }
    return new BigDecimal(Double.toString(value))
        .multiply(new BigDecimal(Double.toString(scale)))
        .doubleValue();
  }
}
