package io.telegen.frameworks.prometheus;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Keeps everything the parser reports, with lookups for assertions. */
class Recorder implements SampleHandler {

  record Sample(String name, String family, LabelSet labels, double value) {}

  record Family(String name, MetricKind kind, String help) {}

  final List<Sample> samples = new ArrayList<>();
  final List<Family> families = new ArrayList<>();
  ParseReport report;

  @Override
  public void family(String name, MetricKind kind, String help) {
    families.add(new Family(name, kind, help));
  }

  @Override
  public void sample(String name, String familyName, LabelSet labels, double value) {
    samples.add(new Sample(name, familyName, labels, value));
  }

  static Recorder parse(Path file) throws IOException {
    Recorder r = new Recorder();
    try (InputStream in = Files.newInputStream(file)) {
      r.report = PrometheusTextParser.parse(in, Long.MAX_VALUE, r);
    }
    return r;
  }

  /** Parses a payload under src/test/resources/prometheus/ as a stream, the way a scrape does. */
  static Recorder parseResource(String name) throws IOException {
    Recorder r = new Recorder();
    try (InputStream in = Recorder.class.getResourceAsStream("/prometheus/" + name)) {
      if (in == null) {
        fail("test resource prometheus/" + name + " is missing");
      }
      r.report = PrometheusTextParser.parse(in, Long.MAX_VALUE, r);
    }
    return r;
  }

  /** The only sample with this name whose labels include all the given name/value pairs. */
  Sample one(String name, String... labelPairs) {
    List<Sample> hits = new ArrayList<>();
    for (Sample s : samples) {
      if (s.name().equals(name) && hasLabels(s.labels(), labelPairs)) {
        hits.add(s);
      }
    }
    if (hits.size() != 1) {
      fail(
          "expected exactly one sample "
              + name
              + " with "
              + List.of(labelPairs)
              + ", found "
              + hits);
    }
    return hits.get(0);
  }

  long count(String name) {
    return samples.stream().filter(s -> s.name().equals(name)).count();
  }

  Family family(String name) {
    return families.stream()
        .filter(f -> f.name().equals(name))
        .findFirst()
        .orElseGet(() -> fail("no family " + name + " in " + families));
  }

  private static boolean hasLabels(LabelSet labels, String[] pairs) {
    for (int i = 0; i < pairs.length; i += 2) {
      if (!pairs[i + 1].equals(labels.get(pairs[i]))) {
        return false;
      }
    }
    return true;
  }
}
