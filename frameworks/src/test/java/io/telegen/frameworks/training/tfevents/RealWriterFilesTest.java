package io.telegen.frameworks.training.tfevents;

import static io.telegen.frameworks.training.tfevents.TfEventsFixtures.HF_TRAINER;
import static io.telegen.frameworks.training.tfevents.TfEventsFixtures.HF_TRAINER_RECORDS;
import static io.telegen.frameworks.training.tfevents.TfEventsFixtures.KERAS_TRAIN;
import static io.telegen.frameworks.training.tfevents.TfEventsFixtures.KERAS_TRAIN_RECORDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.telegen.frameworks.training.tfevents.Recorder.Scalar;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Files written by tensorboardX (simple_value, HF Trainer tags) and by tensorboard's own
 * EventFileWriter with TensorFlow's tensor encoding (Keras tags) are read value for value.
 */
class RealWriterFilesTest {

  @Test
  void tensorboardXScalarsArriveWithExactTagsStepsWallTimesAndValues() throws IOException {
    Recorder recorder = new Recorder();
    try (EventFileTailer tailer = EventFileTailer.open(TfEventsFixtures.file(HF_TRAINER))) {
      int delivered = tailer.poll(recorder);

      assertEquals(TfEventsFixtures.hfTrainerScalars(), recorder.scalars());
      assertEquals(16, delivered);
      assertEquals(HF_TRAINER_RECORDS, tailer.recordsRead());
      assertEquals(0, tailer.corruptRecords());
    }
  }

  @Test
  void nanLossPassesThroughAsNaN() throws IOException {
    List<Scalar> loss =
        TfEventsFixtures.readAll(TfEventsFixtures.file(HF_TRAINER)).tag("train/loss");

    assertEquals(List.of(10L, 20L, 30L, 40L), loss.stream().map(Scalar::step).toList());
    assertTrue(Double.isNaN(loss.get(2).value()), loss.toString());
  }

  @Test
  void histogramImageAndTextSummariesAreIgnoredWithoutCountingThemCorrupt() throws IOException {
    try (EventFileTailer tailer = EventFileTailer.open(TfEventsFixtures.file(HF_TRAINER))) {
      Recorder recorder = new Recorder();
      tailer.poll(recorder);

      assertTrue(
          recorder.scalars().stream().allMatch(s -> s.tag().startsWith("train/")),
          recorder.scalars().toString());
      assertEquals(0, tailer.corruptRecords());
    }
  }

  @Test
  void tensorFlowFloatTensorContentAndTorchDoubleValScalarsAreRead() throws IOException {
    Recorder recorder = new Recorder();
    try (EventFileTailer tailer = EventFileTailer.open(TfEventsFixtures.file(KERAS_TRAIN))) {
      int delivered = tailer.poll(recorder);

      assertEquals(TfEventsFixtures.kerasTrainScalars(), recorder.scalars());
      assertEquals(9, delivered);
      assertEquals(KERAS_TRAIN_RECORDS, tailer.recordsRead());
      assertEquals(0, tailer.corruptRecords());
    }
  }

  @Test
  void metadataOnlyOnTheFirstValueOfATagStillMakesLaterValuesScalars() throws IOException {
    // The writer put plugin metadata on epoch 0 only; epochs 1 and 2 must still be read, and the
    // histogram tag, whose first value named the histograms plugin, must stay ignored throughout.
    Recorder recorder = TfEventsFixtures.readAll(TfEventsFixtures.file(KERAS_TRAIN));

    assertEquals(
        List.of(0L, 1L, 2L), recorder.tag("epoch_loss").stream().map(Scalar::step).toList());
    assertEquals(List.of(), recorder.tag("dense/kernel_0"));
  }

  @Test
  void doublePrecisionAndInfinityAreKept() throws IOException {
    List<Scalar> rate =
        TfEventsFixtures.readAll(TfEventsFixtures.file(KERAS_TRAIN)).tag("epoch_steps_per_second");

    assertEquals(12.345678901234567, rate.get(0).value());
    assertEquals(Double.POSITIVE_INFINITY, rate.get(2).value());
  }

  @Test
  void aSecondPollWithNothingAppendedDeliversNothing() throws IOException {
    try (EventFileTailer tailer = EventFileTailer.open(TfEventsFixtures.file(HF_TRAINER))) {
      tailer.poll(new Recorder());
      Recorder second = new Recorder();

      assertEquals(0, tailer.poll(second));
      assertEquals(List.of(), second.scalars());
      assertEquals(HF_TRAINER_RECORDS, tailer.recordsRead());
    }
  }
}
