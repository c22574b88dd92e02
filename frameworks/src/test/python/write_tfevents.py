#!/usr/bin/env python3
"""Writes TensorBoard event files with the real writers, for the agent's event-file reader.

Runs (each a directory under OUT holding one events.out.tfevents.* file):

  hf_trainer   tensorboardX SummaryWriter.add_scalar with the tags the Hugging Face Trainer's
               TensorBoardCallback writes (train/loss, train/learning_rate, train/grad_norm,
               train/epoch; simple_value encoding), one NaN loss, plus a histogram, an image and a
               text summary that a scalar reader must ignore.
  hf_trainer_summary
               tensorboardX with the one log the HF Trainer writes when training ends
               (train/train_runtime, train/train_samples_per_second, train/train_steps_per_second,
               train/total_flos, train/train_loss: the run's mean loss, not the current one).
  keras_train  tensorboard's own EventFileWriter with the encoding TensorFlow's C++
               SummaryFileWriter gives tf.summary.scalar (what Keras' TensorBoard callback writes):
               a DT_FLOAT tensor with 4 little-endian bytes in tensor_content and "scalars" plugin
               metadata on the first value of each tag only; one DT_DOUBLE series through
               double_val, as torch's add_scalar(new_style=True, double_precision=True) writes it;
               and a TF2-style histogram tensor (plugin "histograms", rank 2) to be ignored.

Every wall time and value is fixed, so tests can assert them exactly; only the file_version
record's wall time is the real time. File names are normalised to
events.out.tfevents.1700000000.fixture-host[.v2] after writing (the writers put the time, host name
and pid in them).

Usage:
  write_tfevents.py OUT                       the fixtures above, into OUT/<run>/
  write_tfevents.py --live DIR --steps N --interval S
                                              hf_trainer-style scalars into DIR, one step every S
                                              seconds, flushing after each (as the HF Trainer
                                              does); prints "step N" after each flush
  write_tfevents.py --bench FILE --records N  N scalar records into FILE (tensorboard's
                                              EventFileWriter), for frameworks/bench-tfevents.sh
"""
import argparse
import math
import os
import shutil
import struct
import sys
import time

BASE_WALL_TIME = 1700000000.0
FIXED_NAME = "events.out.tfevents.1700000000.fixture-host"

# (step, loss, learning_rate, grad_norm, epoch), as an HF Trainer logs every 10 steps; the NaN loss
# is what a diverged fp16 run reports.
HF_LOGS = [
    (10, 2.5, 5.0e-5, 1.25, 0.25),
    (20, 2.125, 4.0e-5, 0.875, 0.5),
    (30, float("nan"), 3.0e-5, 0.75, 0.75),
    (40, 1.75, 2.0e-5, 0.5, 1.0),
]

# (epoch, epoch_loss, epoch_learning_rate, epoch_steps_per_second as double)
KERAS_EPOCHS = [
    (0, 0.6931471824645996, 0.001, 12.345678901234567),
    (1, 0.5, 0.0005, 13.5),
    (2, 0.25, 0.00025, float("inf")),
]


def only_event_file(run_dir):
    names = [n for n in os.listdir(run_dir) if ".tfevents." in n]
    if len(names) != 1:
        sys.exit("expected one event file in %s, found %s" % (run_dir, names))
    return os.path.join(run_dir, names[0])


def normalise_name(run_dir, suffix=""):
    src = only_event_file(run_dir)
    dst = os.path.join(run_dir, FIXED_NAME + suffix)
    os.replace(src, dst)
    return dst


def hf_log(writer, step, loss, lr, grad_norm, epoch):
    # The callback's rewrite_logs() prefixes "train/"; it writes one add_scalar per key and then
    # flushes.
    wall = BASE_WALL_TIME + step
    writer.add_scalar("train/loss", loss, step, walltime=wall)
    writer.add_scalar("train/grad_norm", grad_norm, step, walltime=wall)
    writer.add_scalar("train/learning_rate", lr, step, walltime=wall)
    writer.add_scalar("train/epoch", epoch, step, walltime=wall)
    writer.flush()


def write_hf_trainer(run_dir):
    import numpy as np
    from tensorboardX import SummaryWriter

    os.makedirs(run_dir, exist_ok=True)
    writer = SummaryWriter(logdir=run_dir, flush_secs=1)
    for step, loss, lr, grad_norm, epoch in HF_LOGS[:2]:
        hf_log(writer, step, loss, lr, grad_norm, epoch)
    # Non-scalar summaries between the scalars: a histogram (Summary.Value.histo), an image
    # (Summary.Value.image) and text (a DT_STRING tensor with plugin "text").
    wall = BASE_WALL_TIME + 25
    writer.add_histogram("model/weights", np.arange(16, dtype=np.float32) / 16.0, 25,
                         walltime=wall)
    writer.add_image("samples/input", np.zeros((3, 4, 4), dtype=np.float32), 25, walltime=wall)
    writer.add_text("notes", "fixture run", 25, walltime=wall)
    for step, loss, lr, grad_norm, epoch in HF_LOGS[2:]:
        hf_log(writer, step, loss, lr, grad_norm, epoch)
    writer.close()
    return normalise_name(run_dir)


# Trainer.train()'s closing metrics at global step 40, as TensorBoardCallback.on_log writes them.
HF_SUMMARY = [
    ("train/train_runtime", 96.5),
    ("train/train_samples_per_second", 42.5),
    ("train/train_steps_per_second", 0.375),
    ("train/total_flos", 1.5e15),
    ("train/train_loss", 2.0625),
    ("train/epoch", 1.0),
]


def write_hf_trainer_summary(run_dir):
    from tensorboardX import SummaryWriter

    os.makedirs(run_dir, exist_ok=True)
    writer = SummaryWriter(logdir=run_dir, flush_secs=1)
    for tag, value in HF_SUMMARY:
        writer.add_scalar(tag, value, 40, walltime=BASE_WALL_TIME + 97)
    writer.close()
    return normalise_name(run_dir)


def scalars_metadata():
    from tensorboard.compat.proto.summary_pb2 import DATA_CLASS_SCALAR, SummaryMetadata

    return SummaryMetadata(
        plugin_data=SummaryMetadata.PluginData(plugin_name="scalars"),
        data_class=DATA_CLASS_SCALAR)


def write_keras_train(run_dir):
    from tensorboard.compat.proto import types_pb2
    from tensorboard.compat.proto.event_pb2 import Event
    from tensorboard.compat.proto.summary_pb2 import DATA_CLASS_TENSOR, Summary, SummaryMetadata
    from tensorboard.compat.proto.tensor_pb2 import TensorProto
    from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    os.makedirs(run_dir, exist_ok=True)
    writer = EventFileWriter(run_dir, filename_suffix=".v2")
    seen = set()

    def float_tensor_value(tag, value):
        # tf.summary.scalar casts to float32; SummaryFileWriter::WriteTensor serialises with
        # AsProtoTensorContent, i.e. raw little-endian bytes, and no tensor_shape dims.
        v = Summary.Value(tag=tag, tensor=TensorProto(
            dtype=types_pb2.DT_FLOAT, tensor_shape=TensorShapeProto(),
            tensor_content=struct.pack("<f", value)))
        if tag not in seen:
            v.metadata.CopyFrom(scalars_metadata())
            seen.add(tag)
        return v

    def double_value(tag, value):
        # torch.utils.tensorboard add_scalar(new_style=True, double_precision=True)
        v = Summary.Value(tag=tag, tensor=TensorProto(
            dtype=types_pb2.DT_DOUBLE, double_val=[value]))
        if tag not in seen:
            v.metadata.CopyFrom(scalars_metadata())
            seen.add(tag)
        return v

    for epoch, loss, lr, steps_per_second in KERAS_EPOCHS:
        wall = BASE_WALL_TIME + 60 * (epoch + 1)
        for value in (float_tensor_value("epoch_loss", loss),
                      float_tensor_value("epoch_learning_rate", lr),
                      double_value("epoch_steps_per_second", steps_per_second)):
            writer.add_event(Event(wall_time=wall, step=epoch, summary=Summary(value=[value])))
        # TF2 histogram: a [buckets, 3] DT_DOUBLE tensor with plugin "histograms".
        histogram = Summary.Value(
            tag="dense/kernel_0",
            metadata=SummaryMetadata(
                plugin_data=SummaryMetadata.PluginData(plugin_name="histograms"),
                data_class=DATA_CLASS_TENSOR),
            tensor=TensorProto(
                dtype=types_pb2.DT_DOUBLE,
                tensor_shape=TensorShapeProto(dim=[TensorShapeProto.Dim(size=2),
                                                   TensorShapeProto.Dim(size=3)]),
                double_val=[0.0, 0.5, 3.0, 0.5, 1.0, 5.0]))
        writer.add_event(Event(wall_time=wall, step=epoch, summary=Summary(value=[histogram])))
    writer.close()
    return normalise_name(run_dir, ".v2")


def live(run_dir, steps, interval):
    from tensorboardX import SummaryWriter

    os.makedirs(run_dir, exist_ok=True)
    writer = SummaryWriter(logdir=run_dir, flush_secs=1)
    for i in range(1, steps + 1):
        step = 10 * i
        hf_log(writer, step, 1.0 / i, 1.0e-4, 0.5, i / 4.0)
        print("step %d" % step, flush=True)
        time.sleep(interval)
    writer.close()


def bench(path, records):
    from tensorboard.compat.proto.event_pb2 import Event
    from tensorboard.compat.proto.summary_pb2 import Summary
    from tensorboard.summary.writer.record_writer import RecordWriter

    # tensorboard's RecordWriter is what EventFileWriter uses underneath; calling it directly skips
    # the writer thread and queue, which would only slow the generation down.
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        writer = RecordWriter(f)
        writer.write(Event(wall_time=time.time(), file_version="brain.Event:2").SerializeToString())
        tags = ("train/loss", "train/learning_rate", "train/grad_norm", "train/epoch")
        for i in range(records - 1):
            event = Event(wall_time=BASE_WALL_TIME + i, step=i // 4, summary=Summary(value=[
                Summary.Value(tag=tags[i % 4], simple_value=1.0 / (i + 1))]))
            writer.write(event.SerializeToString())
    os.replace(tmp, path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", nargs="?")
    parser.add_argument("--live")
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--interval", type=float, default=0.5)
    parser.add_argument("--bench")
    parser.add_argument("--records", type=int, default=1_000_000)
    args = parser.parse_args()
    if args.live:
        live(args.live, args.steps, args.interval)
    elif args.bench:
        bench(args.bench, args.records)
    elif args.out:
        for run, write in (("hf_trainer", write_hf_trainer),
                           ("hf_trainer_summary", write_hf_trainer_summary),
                           ("keras_train", write_keras_train)):
            run_dir = os.path.join(args.out, run)
            shutil.rmtree(run_dir, ignore_errors=True)
            print(write(run_dir))
    else:
        parser.error("give OUT, --live DIR or --bench FILE")


if __name__ == "__main__":
    main()
