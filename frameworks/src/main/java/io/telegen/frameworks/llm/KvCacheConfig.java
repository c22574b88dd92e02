package io.telegen.frameworks.llm;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/**
 * Reads a Hugging Face {@code config.json} for {@link KvCacheModel#fromConfigJson}.
 *
 * <p>JSON is read with snakeyaml-engine, already a dependency: YAML 1.2 is a superset of JSON, so
 * no second parser is needed for one small file.
 */
final class KvCacheConfig {

  // Keys that mark layouts where "2 x layers x kv heads x head dim" is not the per-token size:
  // state-space (Mamba) layers hold no per-token KV, hybrids mix the two.
  private static final List<String> HYBRID_KEYS =
      List.of(
          "layers_block_type",
          "hybrid_override_pattern",
          "attn_layer_indices",
          "attn_layer_period",
          "mamba_d_state",
          "ssm_cfg",
          "ssm_state_size");

  private KvCacheConfig() {}

  static Optional<KvCacheModel> derive(Path configJson, String cacheDtype, int tensorParallel)
      throws IOException {
    if (tensorParallel < 1) {
      throw new IllegalArgumentException(
          "tensorParallel must be at least 1, got " + tensorParallel);
    }
    Object document;
    try (Reader reader = Files.newBufferedReader(configJson, StandardCharsets.UTF_8)) {
      document = new Load(LoadSettings.builder().build()).loadFromReader(reader);
    } catch (YamlEngineException e) {
      throw new IOException(configJson + ": not valid JSON: " + e.getMessage(), e);
    }
    if (!(document instanceof Map<?, ?> top)) {
      throw new IOException(configJson + ": expected a JSON object");
    }
    Map<?, ?> config = top;
    // Multimodal wrappers (LLaVA, Gemma 3, ...) keep the language model's shape in text_config.
    if (!top.containsKey("num_hidden_layers") && top.get("text_config") instanceof Map<?, ?> text) {
      config = text;
    }
    if (isUnsupportedLayout(top) || (config != top && isUnsupportedLayout(config))) {
      return Optional.empty();
    }
    Long layers = integer(config.get("num_hidden_layers"));
    Long heads = integer(config.get("num_attention_heads"));
    if (layers == null || heads == null || heads <= 0 || layers <= 0) {
      return Optional.empty();
    }
    Long kvHeads = integer(config.get("num_key_value_heads"));
    if (kvHeads == null) {
      kvHeads = heads; // multi-head attention: one KV head per query head
    }
    Long headDim = integer(config.get("head_dim"));
    if (headDim == null) {
      Long hidden = integer(config.get("hidden_size"));
      if (hidden == null || hidden % heads != 0) {
        return Optional.empty();
      }
      headDim = hidden / heads;
    }
    Integer dtypeBytes = dtypeBytes(cacheDtype, config, top);
    if (dtypeBytes == null || kvHeads <= 0 || headDim <= 0) {
      return Optional.empty();
    }
    // With fewer KV heads than GPUs, tensor parallelism replicates heads instead of splitting
    // them (vLLM does this), so each GPU holds at least one.
    long kvHeadsPerGpu = Math.max(1, (kvHeads + tensorParallel - 1) / tensorParallel);
    return Optional.of(new KvCacheModel(2L * layers * kvHeadsPerGpu * headDim * dtypeBytes));
  }

  private static boolean isUnsupportedLayout(Map<?, ?> config) {
    // MLA (DeepSeek V2/V3, Kimi K2): the cache holds a compressed latent, not K and V per head.
    if (config.get("kv_lora_rank") != null) {
      return true;
    }
    for (String key : HYBRID_KEYS) {
      if (config.get(key) != null) {
        return true;
      }
    }
    // Per-layer attention types (Gemma 2/3, GPT-OSS, Qwen3-Next): any layer that is not full
    // attention caches a window or a state, not every token.
    if (config.get("layer_types") instanceof List<?> types) {
      for (Object type : types) {
        if (!"full_attention".equals(type)) {
          return true;
        }
      }
    }
    // Sliding-window attention caches at most the window (Mistral v0.1). Qwen2 configs carry a
    // window with use_sliding_window=false: those are full attention.
    Object useSliding = config.get("use_sliding_window");
    if (Boolean.TRUE.equals(useSliding)) {
      return true;
    }
    return config.get("sliding_window") != null && !Boolean.FALSE.equals(useSliding);
  }

  private static Integer dtypeBytes(String cacheDtype, Map<?, ?> config, Map<?, ?> top) {
    if (cacheDtype != null && !cacheDtype.isBlank() && !"auto".equalsIgnoreCase(cacheDtype)) {
      return bytesOf(cacheDtype);
    }
    // "auto": the cache uses the model's dtype; newer transformers write "dtype"
    for (Map<?, ?> source : List.of(config, top)) {
      for (String key : List.of("torch_dtype", "dtype")) {
        if (source.get(key) instanceof String dtype) {
          return bytesOf(dtype);
        }
      }
    }
    return null;
  }

  private static Integer bytesOf(String dtype) {
    String d = dtype.toLowerCase(Locale.ROOT).replace("torch.", "");
    if (d.startsWith("fp8") || d.startsWith("float8") || d.equals("int8")) {
      return 1;
    }
    return switch (d) {
      case "bfloat16", "bf16", "float16", "fp16", "half" -> 2;
      case "float32", "fp32", "float" -> 4;
      default -> null;
    };
  }

  private static Long integer(Object value) {
    if (value instanceof Integer i) {
      return i.longValue();
    }
    if (value instanceof Long l) {
      return l;
    }
    if (value instanceof java.math.BigInteger b) {
      return b.longValue();
    }
    return null;
  }
}
