//! Dot products, mat-vec and mat-mul per weight format, with one kernel
//! table filled from the scalar reference and overlaid with SIMD.
