/**
 * Framework sources: the Prometheus text and OpenMetrics parser, one profile per LLM serving
 * framework ({@code io.telegen.frameworks.serving}) with its mapping table normalising to the
 * {@code llm_*} set, and training sources (tfevents, process detection).
 *
 * <p>This module never imports {@code io.telegen.gpu}; joins happen in the agent service.
 */
package io.telegen.frameworks;
