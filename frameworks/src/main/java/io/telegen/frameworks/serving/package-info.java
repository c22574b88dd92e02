/**
 * The LLM serving frameworks the agent knows: one
 * {@link io.telegen.frameworks.serving.ServingFramework} profile each (name, metrics endpoint,
 * command-line recognition, model lookup), registered in
 * {@link io.telegen.frameworks.serving.ServingFrameworks}, which config validation, discovery,
 * scraping, trace correlation and the catalog test all read.
 */
package io.telegen.frameworks.serving;
