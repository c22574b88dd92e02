"""Writes tiny-mlp.onnx: y = relu(x @ W + b) with fixed weights, x float[1,4] -> y float[1,3].

Run once with the `onnx` package (pip install onnx); the .onnx file is committed beside this script
so the tests need no Python. Opset 13, IR version 8, which every ONNX Runtime from 1.10 on loads.
"""
import onnx
from onnx import TensorProto, helper

W = [0.5, -1.0, 2.0,
     1.0, 0.0, -0.5,
     -1.5, 1.0, 1.0,
     0.25, 0.75, 0.0]
b = [0.1, 0.2, -0.3]

graph = helper.make_graph(
    [helper.make_node("MatMul", ["x", "W"], ["xw"]),
     helper.make_node("Add", ["xw", "b"], ["z"]),
     helper.make_node("Relu", ["z"], ["y"])],
    "tiny_mlp",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])],
    [helper.make_tensor("W", TensorProto.FLOAT, [4, 3], W),
     helper.make_tensor("b", TensorProto.FLOAT, [3], b)])
model = helper.make_model(graph, producer_name="telegen-tests",
                          opset_imports=[helper.make_opsetid("", 13)])
model.ir_version = 8
onnx.checker.check_model(model)
onnx.save(model, "tiny-mlp.onnx")
