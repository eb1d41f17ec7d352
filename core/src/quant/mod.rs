//! Block quantization formats: layouts, reference quantize and dequantize.
