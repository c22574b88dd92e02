/**
 * The node model shared by the agent's sources: typed values for what runs where on this node.
 *
 * <p>{@link io.telegen.node.GpuProcessTable} joins processes to the GPUs and MIG devices they
 * use ({@link io.telegen.node.GpuRef}: vendor, index, UUID, MIG identity) and carries each GPU's
 * latest utilisation. GPU sources publish it; serving, training and communication sources read
 * it instead of parsing label strings or re-reading another source's metrics.
 */
package io.telegen.node;
