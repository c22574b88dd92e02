/**
 * Reads training scalars (loss, learning rate, gradient norm, ...) from TensorBoard event files
 * while the training job is still writing them.
 *
 * <p>Entry points: {@link io.telegen.frameworks.training.tfevents.EventFileTailer} for one
 * {@code events.out.tfevents.*} file and
 * {@link io.telegen.frameworks.training.tfevents.RunDirectoryTailer} for a run directory whose
 * writer may start new files. Values arrive through a
 * {@link io.telegen.frameworks.training.tfevents.ScalarSink}.
 *
 * <p>Both encodings real writers use are understood: {@code simple_value} (tensorboardX, PyTorch's
 * {@code SummaryWriter}, the Hugging Face Trainer, Lightning) and rank-0 tensors with the
 * {@code scalars} plugin (TensorFlow 2, Keras, CLU, PyTorch {@code new_style}).
 */
package io.telegen.frameworks.training.tfevents;
