#!/usr/bin/env python3
"""Writes the second-scrape payloads for LlmNormalizerFixturesTest: each shared fixture with some
counters and histograms increased by fixed, documented amounts. Run once from this directory:
  python3 make_second_scrapes.py
It reads the fixtures in test-support/src/main/resources/fixtures/frameworks (or the directory
given as its argument). The outputs are committed as test data; the test asserts values computed from the edits below."""
import re, sys, pathlib

# this file is frameworks/src/test/resources/llm/; parents[5] is the repository root
src = (pathlib.Path(sys.argv[1]) if len(sys.argv) > 1
       else pathlib.Path(__file__).resolve().parents[5]
       / "test-support/src/main/resources/fixtures/frameworks")

def edit(name, out, rules):
    text = (src / name).read_text()
    lines = []
    for line in text.split("\n"):
        for pattern, fn in rules:
            if not line.startswith("#") and re.search(pattern, line):
                line = fn(line)
        lines.append(line)
    pathlib.Path(out).write_text("\n".join(lines))

def setv(v):
    return lambda line: line.rsplit(" ", 1)[0] + " " + v

def addv(d):
    def f(line):
        head, val = line.rsplit(" ", 1)
        x = float(val) + d
        return head + " " + (str(int(x)) if x == int(x) and "." not in val else repr(x))
    return f

def le_at_least(threshold, d):
    def f(line):
        le = re.search(r'le="([^"]+)"', line).group(1)
        return addv(d)(line) if le == "+Inf" or float(le) >= threshold else line
    return f

# vLLM: +100 generated, +20 prompt tokens; 2 more 'length', new 'stop' x4 and 'abort' x1;
# queue 2, running 5; kv_cache_usage_perc 0.25 (gpu_cache_usage_perc 0.5 must lose);
# TTFT: one more request in le>=0.1; ITL: +9 in le=0.01, +7 in (0.01,0.1], +1 above 0.1.
edit("vllm-datadog-fixture-v0-plus-v1.txt", "vllm-second.txt", [
    (r'^vllm:generation_tokens_total\{', setv("107.0")),
    (r'^vllm:prompt_tokens_total\{', setv("25.0")),
    (r'^vllm:request_success_total\{finished_reason="length"', lambda l: setv("3.0")(l)
        + '\nvllm:request_success_total{finished_reason="stop",model_name="facebook/opt-125m"} 4.0'
        + '\nvllm:request_success_total{finished_reason="abort",model_name="facebook/opt-125m"} 1.0'),
    (r'^vllm:num_requests_waiting\{', setv("2.0")),
    (r'^vllm:num_requests_running\{', setv("5.0")),
    (r'^vllm:kv_cache_usage_perc\{', setv("0.25")),
    (r'^vllm:gpu_cache_usage_perc\{', setv("0.5")),
    (r'^vllm:time_to_first_token_seconds_bucket\{', le_at_least(0.1, 1)),
    (r'^vllm:time_to_first_token_seconds_count\{', setv("2.0")),
    (r'^vllm:time_to_first_token_seconds_sum\{', setv("0.5")),
    (r'^vllm:inter_token_latency_seconds_bucket\{le="0.01"', setv("150.0")),
    (r'^vllm:inter_token_latency_seconds_bucket\{le="0.1"', setv("160.0")),
    (r'^vllm:inter_token_latency_seconds_bucket\{le="\+Inf"', setv("161.0")),
    (r'^vllm:inter_token_latency_seconds_count\{', setv("161.0")),
    (r'^vllm:inter_token_latency_seconds_sum\{', setv("0.75")),
])

# TGI: +10 successes, +1 failure (new err), +40 input tokens, queue 3, batch 4, 1000 KV tokens.
edit("tgi-datadog-fixture-PREFIX.txt", "tgi-second.txt", [
    (r'^tgi_request_success ', setv("119")),
    (r'^tgi_request_failure\{err="validation"\}', lambda l: l + '\ntgi_request_failure{err="overloaded"} 1'),
    (r'^tgi_request_input_length_sum ', setv("702")),
    (r'^tgi_request_input_length_count ', setv("119")),
    (r'^tgi_queue_size ', setv("3")),
    (r'^tgi_batch_current_size ', setv("4")),
    (r'^tgi_batch_current_max_tokens ', setv("1000")),
])

# Triton: densenet_onnx +7 successes, +2 failures, +12 inferences in +4 executions (batch 3),
# 5 pending; the other models do not execute, so they get no batch-size point.
edit("triton-datadog-fixture-PREFIX.txt", "triton-second.txt", [
    (r'^nv_inference_request_success\{model="densenet_onnx"', setv("10")),
    (r'^nv_inference_request_failure\{model="densenet_onnx"', setv("2")),
    (r'^nv_inference_count\{model="densenet_onnx"', setv("15")),
    (r'^nv_inference_exec_count\{model="densenet_onnx"', setv("7")),
    (r'^nv_inference_pending_request_count\{model="densenet_onnx"', setv("5")),
])

# TRT-LLM snippet: 10 blocks used, 3 active, add a waiting gauge of 2.
edit("triton-trtllm-backend-readme-snippet.txt", "triton-trtllm-second.txt", [
    (r'kv_cache_block_type="used"', setv("10")),
    (r'request_type="active"', lambda l: setv("3")(l)
        + '\nnv_trt_llm_request_metrics{model="tensorrt_llm",request_type="waiting",version="1"} 2'),
])

# TorchServe (DataDog): linear_regression_1_1 +9 requests.
edit("torchserve-datadog-fixture.txt", "torchserve-second.txt", [
    (r'^ts_inference_requests_total\{model_name="linear_regression_1_1"', setv("20.0")),
])

# TorchServe docs example: resnet18 +4 requests.
edit("torchserve-docs-metrics_api-example.txt", "torchserve-docs-second.txt", [
    (r'^ts_inference_requests_total\{', addv(4)),
])

# SGLang: +64 generated, +10 prompt tokens, +2 requests, queue 1, running 2, gen_throughput 300,
# 100 used KV tokens; e2e: one more request above 0.1 s.
edit("sglang-datadog-fixture.txt", "sglang-second.txt", [
    (r'^sglang:generation_tokens_total\{', setv("96")),
    (r'^sglang:prompt_tokens_total\{', setv("15")),
    (r'^sglang:num_requests_total\{', setv("3")),
    (r'^sglang:num_queue_reqs\{', setv("1")),
    (r'^sglang:num_running_reqs\{', setv("2")),
    (r'^sglang:gen_throughput\{', setv("300")),
    (r'^sglang:num_used_tokens\{', setv("100")),
    (r'^sglang:e2e_request_latency_seconds_bucket\{le="\+Inf"', setv("2")),
    (r'^sglang:e2e_request_latency_seconds_count\{', setv("2")),
    (r'^sglang:e2e_request_latency_seconds_sum\{', setv("1.07")),
])

# llama.cpp: +531 predicted tokens, +114 prompt tokens, 1 deferred, 2 processing.
edit("llamacpp-ik_llama-pr695-comment.txt", "llamacpp-second.txt", [
    (r'^llamacpp:tokens_predicted_total ', setv("4000")),
    (r'^llamacpp:prompt_tokens_total ', setv("7000")),
    (r'^llamacpp:requests_deferred ', setv("1")),
    (r'^llamacpp:requests_processing ', setv("2")),
])
