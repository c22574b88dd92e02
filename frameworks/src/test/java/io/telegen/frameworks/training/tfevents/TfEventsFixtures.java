package io.telegen.frameworks.training.tfevents;

import static org.junit.jupiter.api.Assertions.fail;

import io.telegen.frameworks.training.tfevents.Recorder.Scalar;
import io.telegen.proto.tensorboard.Event;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The event files in src/test/resources/tfevents (written by the real writers with
 * src/test/python/write_tfevents.py; see PROVENANCE.md there), what they hold, and helpers to frame
 * records and find record boundaries for the tests that damage copies of them.
 */
final class TfEventsFixtures {

  static final String HF_TRAINER = "hf_trainer/events.out.tfevents.1700000000.fixture-host";
  static final String KERAS_TRAIN = "keras_train/events.out.tfevents.1700000000.fixture-host.v2";

  /** Records in the hf_trainer file: file_version, 16 scalars, histogram, image, text. */
  static final int HF_TRAINER_RECORDS = 20;

  /** Records in the keras_train file: file_version, then 3 epochs of 3 scalars and a histogram. */
  static final int KERAS_TRAIN_RECORDS = 13;

  private TfEventsFixtures() {}

  static Path file(String relative) {
    URL url = TfEventsFixtures.class.getResource("/tfevents/" + relative);
    if (url == null) {
      return fail(
          "fixture tfevents/"
              + relative
              + " is not on the test classpath; regenerate it"
              + " with frameworks/src/test/python/write_tfevents.py");
    }
    try {
      return Path.of(url.toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Everything the hf_trainer file holds, in file order. */
  static List<Scalar> hfTrainerScalars() {
    List<Scalar> all = new ArrayList<>();
    double[][] logs = {
      {10, 2.5, 1.25, 5.0e-5f, 0.25},
      {20, 2.125, 0.875, 4.0e-5f, 0.5},
      {30, Double.NaN, 0.75, 3.0e-5f, 0.75},
      {40, 1.75, 0.5, 2.0e-5f, 1.0},
    };
    for (double[] log : logs) {
      long step = (long) log[0];
      double wall = 1_700_000_000.0 + step;
      all.add(new Scalar("train/loss", step, wall, log[1]));
      all.add(new Scalar("train/grad_norm", step, wall, log[2]));
      all.add(new Scalar("train/learning_rate", step, wall, log[3]));
      all.add(new Scalar("train/epoch", step, wall, log[4]));
    }
    return all;
  }

  /** Everything the keras_train file holds, in file order. */
  static List<Scalar> kerasTrainScalars() {
    List<Scalar> all = new ArrayList<>();
    double[][] epochs = {
      {0, 0.6931471824645996, 0.001f, 12.345678901234567},
      {1, 0.5, 0.0005f, 13.5},
      {2, 0.25, 0.00025f, Double.POSITIVE_INFINITY},
    };
    for (double[] epoch : epochs) {
      long step = (long) epoch[0];
      double wall = 1_700_000_000.0 + 60 * (step + 1);
      all.add(new Scalar("epoch_loss", step, wall, epoch[1]));
      all.add(new Scalar("epoch_learning_rate", step, wall, epoch[2]));
      all.add(new Scalar("epoch_steps_per_second", step, wall, epoch[3]));
    }
    return all;
  }

  /** Start offsets of every record in a well-formed file, plus the file length at the end. */
  static List<Long> recordOffsets(byte[] file) {
    List<Long> offsets = new ArrayList<>();
    ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
    long at = 0;
    while (at < file.length) {
      offsets.add(at);
      at += 12 + b.getLong((int) at) + 4;
    }
    offsets.add(at);
    return offsets;
  }

  /** One TFRecord holding {@code data}, framed as the writers frame it. */
  static byte[] frame(byte[] data) {
    MaskedCrc32c crc = new MaskedCrc32c();
    ByteBuffer b = ByteBuffer.allocate(12 + data.length + 4).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(data.length);
    b.putInt(crc.of(b.array(), 0, 8));
    b.put(data);
    b.putInt(crc.of(data, 0, data.length));
    return b.array();
  }

  /** A file made of the given events, each framed as one record. */
  static byte[] records(Event... events) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Event event : events) {
      out.writeBytes(frame(event.toByteArray()));
    }
    return out.toByteArray();
  }

  /** Reads all of {@code file} with a fresh tailer and returns what it delivered. */
  static Recorder readAll(Path file) throws IOException {
    Recorder recorder = new Recorder();
    try (EventFileTailer tailer = EventFileTailer.open(file)) {
      tailer.poll(recorder);
    }
    return recorder;
  }

  static Path copy(String fixture, Path dir) throws IOException {
    Path target = dir.resolve(Path.of(fixture).getFileName().toString());
    Files.copy(file(fixture), target);
    return target;
  }
}
