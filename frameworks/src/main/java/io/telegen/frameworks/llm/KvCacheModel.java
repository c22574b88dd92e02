package io.telegen.frameworks.llm;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * How many bytes of KV cache one token occupies on one GPU, so token counts can become bytes.
 *
 * @param bytesPerToken bytes per cached token per tensor-parallel rank; positive
 */
public record KvCacheModel(long bytesPerToken) {

  /** Rejects a non-positive size: a zero would silently turn every byte metric into 0. */
  public KvCacheModel {
    if (bytesPerToken <= 0) {
      throw new IllegalArgumentException("bytesPerToken must be positive, got " + bytesPerToken);
    }
  }

  /**
   * From a Hugging Face {@code config.json}: 2 × num_hidden_layers × num_key_value_heads (default
   * num_attention_heads) × head_dim (default hidden_size / num_attention_heads) × dtype bytes
   * (torch_dtype bf16/fp16 → 2, float32 → 4; {@code cacheDtype} fp8* → 1) ÷ tensorParallel.
   *
   * @return empty for layouts the formula does not cover (MLA, hybrid or sliding-window layouts)
   *     or when a needed field is missing — never a made-up number
   */
  public static Optional<KvCacheModel> fromConfigJson(
      Path configJson, String cacheDtype, int tensorParallel) throws IOException {
    return KvCacheConfig.derive(configJson, cacheDtype, tensorParallel);
  }
}
