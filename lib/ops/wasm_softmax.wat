;; SIMD kernels of the fused softmax cross-entropy (lib/ops/wasm_softmax.ts), run on the
;; tfjs wasm backend's own memory (imported). Rows are processed 4 floats at a time; a row's
;; last v mod 4 floats are left to the caller. Assembled by `deno task wasm` into
;; wasm_softmax_bytes.ts; tests/wasm_softmax_test.ts checks the bytes match this source.
(module
  (import "env" "memory" (memory 1))

  ;; The largest of the first n4 floats (n4 a multiple of 4, > 0) at p.
  (func (export "rowMax") (param $p i32) (param $n4 i32) (result f32)
    (local $m v128) (local $end i32)
    (local.set $m (v128.load (local.get $p)))
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n4) (i32.const 2))))
    (local.set $p (i32.add (local.get $p) (i32.const 16)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $m (f32x4.max (local.get $m) (v128.load (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $next)))
    (f32.max
      (f32.max (f32x4.extract_lane 0 (local.get $m)) (f32x4.extract_lane 1 (local.get $m)))
      (f32.max (f32x4.extract_lane 2 (local.get $m)) (f32x4.extract_lane 3 (local.get $m)))))

  ;; exp(x) for x ≤ 0, 4 lanes: x = k·ln2 + r, |r| ≤ ln2/2, e^r by its degree-6 Taylor
  ;; polynomial, 2^k from the exponent bits; x below −87 gives e^−87 (≈ 1.6e−38, not 0).
  (func $exp4 (param $x v128) (result v128)
    (local $k v128) (local $r v128) (local $p v128)
    (local.set $x (f32x4.max (local.get $x) (v128.const f32x4 -87 -87 -87 -87)))
    (local.set $k (f32x4.nearest
      (f32x4.mul (local.get $x) (v128.const f32x4 1.44269504 1.44269504 1.44269504 1.44269504))))
    (local.set $r (f32x4.sub
      (f32x4.sub (local.get $x)
        (f32x4.mul (local.get $k) (v128.const f32x4 0.693145751953125 0.693145751953125 0.693145751953125 0.693145751953125)))
      (f32x4.mul (local.get $k) (v128.const f32x4 1.428606765330187e-06 1.428606765330187e-06 1.428606765330187e-06 1.428606765330187e-06))))
    (local.set $p (v128.const f32x4 0.0013888889 0.0013888889 0.0013888889 0.0013888889))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 0.008333333 0.008333333 0.008333333 0.008333333)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 0.041666668 0.041666668 0.041666668 0.041666668)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 0.16666667 0.16666667 0.16666667 0.16666667)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 0.5 0.5 0.5 0.5)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 1 1 1 1)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 1 1 1 1)))
    (f32x4.mul (local.get $p)
      (i32x4.shl
        (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $k)) (v128.const i32x4 127 127 127 127))
        (i32.const 23))))

  ;; Σ exp(z_j − max) over the first n4 floats at z (f64 sum); with out ≠ 0 each term is
  ;; stored at out too.
  (func (export "expSum") (param $z i32) (param $out i32) (param $n4 i32) (param $max f32)
    (result f64)
    (local $m v128) (local $e v128) (local $sum v128) (local $end i32)
    (local.set $m (f32x4.splat (local.get $max)))
    (local.set $end (i32.add (local.get $z) (i32.shl (local.get $n4) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $z) (local.get $end)))
        (local.set $e (call $exp4 (f32x4.sub (v128.load (local.get $z)) (local.get $m))))
        (if (local.get $out)
          (then
            (v128.store (local.get $out) (local.get $e))
            (local.set $out (i32.add (local.get $out) (i32.const 16)))))
        (local.set $sum (f64x2.add (local.get $sum)
          (f64x2.add (f64x2.promote_low_f32x4 (local.get $e))
            (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7
              (local.get $e) (local.get $e))))))
        (local.set $z (i32.add (local.get $z) (i32.const 16)))
        (br $next)))
    (f64.add (f64x2.extract_lane 0 (local.get $sum)) (f64x2.extract_lane 1 (local.get $sum))))

  ;; The first n4 floats at p times s, in place.
  (func (export "scale") (param $p i32) (param $n4 i32) (param $s f32)
    (local $f v128) (local $end i32)
    (local.set $f (f32x4.splat (local.get $s)))
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n4) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (v128.store (local.get $p) (f32x4.mul (v128.load (local.get $p)) (local.get $f)))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $next))))
)
