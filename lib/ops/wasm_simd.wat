;; SIMD kernels for the tfjs wasm backend (lib/ops/wasm_simd.ts), run on its own memory
;; (imported): the rows of the fused softmax cross-entropy (4 floats at a time; a row's last
;; v mod 4 floats are left to the caller), the GRU step's gate arithmetic and its backward, and
;; Adam's update. Assembled by `deno task wasm` into wasm_simd_bytes.ts; tests/wasm_simd_test.ts checks the bytes match.
(module
  (import "env" "memory" (memory 1))

  ;; The largest of the first n4 floats (n4 a multiple of 4, > 0) at p. Four accumulators (the
  ;; maxima of a chain of one would wait on each other) and pmax, one instruction (f32x4.max's NaN
  ;; and ±0 rules take several): a NaN may be skipped here, and then makes the row's sum NaN.
  (func (export "rowMax") (param $p i32) (param $n4 i32) (result f32)
    (local $m0 v128) (local $m1 v128) (local $m2 v128) (local $m3 v128) (local $end i32)
    (local.set $m0 (v128.load (local.get $p)))
    (local.set $m1 (local.get $m0))
    (local.set $m2 (local.get $m0))
    (local.set $m3 (local.get $m0))
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n4) (i32.const 2))))
    (local.set $p (i32.add (local.get $p) (i32.const 16)))
    (block $done4
      (loop $next4
        (br_if $done4 (i32.gt_u (i32.add (local.get $p) (i32.const 64)) (local.get $end)))
        (local.set $m0 (f32x4.pmax (local.get $m0) (v128.load (local.get $p))))
        (local.set $m1 (f32x4.pmax (local.get $m1) (v128.load offset=16 (local.get $p))))
        (local.set $m2 (f32x4.pmax (local.get $m2) (v128.load offset=32 (local.get $p))))
        (local.set $m3 (f32x4.pmax (local.get $m3) (v128.load offset=48 (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 64)))
        (br $next4)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $m0 (f32x4.pmax (local.get $m0) (v128.load (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $next)))
    (local.set $m0 (f32x4.max (f32x4.max (local.get $m0) (local.get $m1))
      (f32x4.max (local.get $m2) (local.get $m3))))
    (f32.max
      (f32.max (f32x4.extract_lane 0 (local.get $m0)) (f32x4.extract_lane 1 (local.get $m0)))
      (f32.max (f32x4.extract_lane 2 (local.get $m0)) (f32x4.extract_lane 3 (local.get $m0)))))

  ;; exp(x) for x ≤ 0, 4 lanes: x = k·ln2 + r, |r| ≤ ln2/2, e^r by its degree-6 Taylor
  ;; polynomial, 2^k from the exponent bits; x below −87 gives e^−87 (≈ 1.6e−38, not 0); NaN
  ;; stays NaN. k = nearest(x·log2 e) by adding 1.5·2^23, which leaves k's integer in the low
  ;; bits of the sum $t (the same rounding, ties to even, in one add: f32x4.nearest and
  ;; i32x4.trunc_sat_f32x4_s take several instructions each on x86).
  (func $exp4 (param $x v128) (result v128)
    (local $k v128) (local $r v128) (local $p v128) (local $t v128)
    (local.set $x (f32x4.pmax (local.get $x) (v128.const f32x4 -87 -87 -87 -87)))
    (local.set $t (f32x4.add
      (f32x4.mul (local.get $x) (v128.const f32x4 1.44269504 1.44269504 1.44269504 1.44269504))
      (v128.const f32x4 12582912 12582912 12582912 12582912)))
    (local.set $k (f32x4.sub (local.get $t) (v128.const f32x4 12582912 12582912 12582912 12582912)))
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
    ;; 2^k: the bits of $t are 0x4B400000 + k.
    (f32x4.mul (local.get $p)
      (i32x4.shl
        (i32x4.add (local.get $t)
          (v128.const i32x4 -1262485377 -1262485377 -1262485377 -1262485377))
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

  ;; σ(a), 4 lanes: e = exp(−|a|), σ = 1/(1 + e) for a ≥ 0 and e/(1 + e) below (no cancellation).
  (func $sigmoid4 (param $a v128) (result v128)
    (local $e v128) (local $p v128)
    (local.set $e (call $exp4 (f32x4.neg (f32x4.abs (local.get $a)))))
    (local.set $p (f32x4.div (v128.const f32x4 1 1 1 1)
      (f32x4.add (v128.const f32x4 1 1 1 1) (local.get $e))))
    (v128.bitselect (local.get $p) (f32x4.mul (local.get $e) (local.get $p))
      (f32x4.ge (local.get $a) (v128.const f32x4 0 0 0 0))))

  ;; tanh(a), 4 lanes: e = exp(−2|a|), tanh = sign(a)·(1 − e)/(1 + e).
  (func $tanh4 (param $a v128) (result v128)
    (local $e v128)
    (local.set $e (call $exp4 (f32x4.mul (f32x4.abs (local.get $a)) (v128.const f32x4 -2 -2 -2 -2))))
    (v128.or
      (f32x4.div (f32x4.sub (v128.const f32x4 1 1 1 1) (local.get $e))
        (f32x4.add (v128.const f32x4 1 1 1 1) (local.get $e)))
      (v128.and (local.get $a) (v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000))))

  ;; One GRU step's gates for b rows of width d (d a multiple of 4). gi, gh: [b, 3d] pre-
  ;; activations (r | z | n blocks; gi = W_i x + b_i + [b_hr, b_hz, 0], gh = W_h h + [0, 0, b_hn]);
  ;; h, out: [b, d]; r, z, n, hn: [b, d] planes that receive r, z, n and gh's n block (all
  ;; skipped when r is 0).
  ;;   r = σ(gi_r + gh_r), z = σ(gi_z + gh_z), n = tanh(gi_n + r ⊙ gh_n), out = n + z ⊙ (h − n)
  (func (export "gruGates") (param $gi i32) (param $gh i32) (param $h i32) (param $out i32)
    (param $rp i32) (param $zp i32) (param $np i32) (param $hnp i32) (param $b i32) (param $d i32)
    (local $row i32) (local $j i32) (local $db i32) (local $r v128) (local $z v128) (local $n v128)
    (local $hn v128) (local $hv v128)
    (local.set $db (i32.shl (local.get $d) (i32.const 2))) ;; a block's bytes
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_u (local.get $row) (local.get $b)))
        (local.set $j (i32.const 0))
        (block $cols_done
          (loop $cols
            (br_if $cols_done (i32.ge_u (local.get $j) (local.get $db)))
            (local.set $r (call $sigmoid4 (f32x4.add
              (v128.load (i32.add (local.get $gi) (local.get $j)))
              (v128.load (i32.add (local.get $gh) (local.get $j))))))
            (local.set $z (call $sigmoid4 (f32x4.add
              (v128.load (i32.add (i32.add (local.get $gi) (local.get $db)) (local.get $j)))
              (v128.load (i32.add (i32.add (local.get $gh) (local.get $db)) (local.get $j))))))
            (local.set $hn (v128.load (i32.add (i32.add (local.get $gh)
              (i32.shl (local.get $db) (i32.const 1))) (local.get $j))))
            (local.set $n (call $tanh4 (f32x4.add
              (v128.load (i32.add (i32.add (local.get $gi) (i32.shl (local.get $db) (i32.const 1)))
                (local.get $j)))
              (f32x4.mul (local.get $r) (local.get $hn)))))
            (local.set $hv (v128.load (i32.add (local.get $h) (local.get $j))))
            (v128.store (i32.add (local.get $out) (local.get $j))
              (f32x4.add (local.get $n)
                (f32x4.mul (local.get $z) (f32x4.sub (local.get $hv) (local.get $n)))))
            (if (local.get $rp)
              (then
                (v128.store (i32.add (local.get $rp) (local.get $j)) (local.get $r))
                (v128.store (i32.add (local.get $zp) (local.get $j)) (local.get $z))
                (v128.store (i32.add (local.get $np) (local.get $j)) (local.get $n))
                (v128.store (i32.add (local.get $hnp) (local.get $j)) (local.get $hn))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $cols)))
        ;; Next row: gi and gh advance 3 blocks; h, out and the planes one.
        (local.set $gi (i32.add (local.get $gi) (i32.mul (local.get $db) (i32.const 3))))
        (local.set $gh (i32.add (local.get $gh) (i32.mul (local.get $db) (i32.const 3))))
        (if (local.get $rp)
          (then
            (local.set $rp (i32.add (local.get $rp) (local.get $db)))
            (local.set $zp (i32.add (local.get $zp) (local.get $db)))
            (local.set $np (i32.add (local.get $np) (local.get $db)))
            (local.set $hnp (i32.add (local.get $hnp) (local.get $db)))))
        (local.set $h (i32.add (local.get $h) (local.get $db)))
        (local.set $out (i32.add (local.get $out) (local.get $db)))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $rows))))

  ;; The GRU's local backward for rows of width d (d a multiple of 4): δ, h_{t−1}, r, z, n and
  ;; hn = W_hn h + b_hn are [rows, d]; gx, gh [rows, 3d] receive [dr | dz | dn] and
  ;; [dr | dz | dn ⊙ r], each product rounded in the order of the tf-ops route:
  ;;   dn = (δ(1 − z))(1 − n·n), dz = (δ(h_{t−1} − n))(z(1 − z)), dr = (dn·hn)(r(1 − r))
  (func (export "gruGateGrads") (param $delta i32) (param $hp i32) (param $rp i32) (param $zp i32)
    (param $np i32) (param $hnp i32) (param $gx i32) (param $gh i32) (param $rows i32)
    (param $d i32)
    (local $row i32) (local $j i32) (local $db i32) (local $one v128) (local $dv v128)
    (local $r v128) (local $z v128) (local $n v128) (local $dn v128) (local $dz v128)
    (local $dr v128) (local $o i32)
    (local.set $db (i32.shl (local.get $d) (i32.const 2))) ;; a block's bytes
    (local.set $one (f32x4.splat (f32.const 1)))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_u (local.get $row) (local.get $rows)))
        (local.set $j (i32.const 0))
        (block $cols_done
          (loop $cols
            (br_if $cols_done (i32.ge_u (local.get $j) (local.get $db)))
            (local.set $dv (v128.load (i32.add (local.get $delta) (local.get $j))))
            (local.set $r (v128.load (i32.add (local.get $rp) (local.get $j))))
            (local.set $z (v128.load (i32.add (local.get $zp) (local.get $j))))
            (local.set $n (v128.load (i32.add (local.get $np) (local.get $j))))
            (local.set $dn (f32x4.mul
              (f32x4.mul (local.get $dv) (f32x4.sub (local.get $one) (local.get $z)))
              (f32x4.sub (local.get $one) (f32x4.mul (local.get $n) (local.get $n)))))
            (local.set $dz (f32x4.mul
              (f32x4.mul (local.get $dv)
                (f32x4.sub (v128.load (i32.add (local.get $hp) (local.get $j))) (local.get $n)))
              (f32x4.mul (local.get $z) (f32x4.sub (local.get $one) (local.get $z)))))
            (local.set $dr (f32x4.mul
              (f32x4.mul (local.get $dn) (v128.load (i32.add (local.get $hnp) (local.get $j))))
              (f32x4.mul (local.get $r) (f32x4.sub (local.get $one) (local.get $r)))))
            (local.set $o (i32.add (local.get $gx) (local.get $j)))
            (v128.store (local.get $o) (local.get $dr))
            (v128.store (i32.add (local.get $o) (local.get $db)) (local.get $dz))
            (v128.store (i32.add (local.get $o) (i32.shl (local.get $db) (i32.const 1)))
              (local.get $dn))
            (local.set $o (i32.add (local.get $gh) (local.get $j)))
            (v128.store (local.get $o) (local.get $dr))
            (v128.store (i32.add (local.get $o) (local.get $db)) (local.get $dz))
            (v128.store (i32.add (local.get $o) (i32.shl (local.get $db) (i32.const 1)))
              (f32x4.mul (local.get $dn) (local.get $r)))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $cols)))
        ;; Next row: the inputs advance one block, gx and gh three.
        (local.set $delta (i32.add (local.get $delta) (local.get $db)))
        (local.set $hp (i32.add (local.get $hp) (local.get $db)))
        (local.set $rp (i32.add (local.get $rp) (local.get $db)))
        (local.set $zp (i32.add (local.get $zp) (local.get $db)))
        (local.set $np (i32.add (local.get $np) (local.get $db)))
        (local.set $hnp (i32.add (local.get $hnp) (local.get $db)))
        (local.set $gx (i32.add (local.get $gx) (i32.mul (local.get $db) (i32.const 3))))
        (local.set $gh (i32.add (local.get $gh) (i32.mul (local.get $db) (i32.const 3))))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $rows))))

  ;; One Adam update of n4 floats (n4 a multiple of 4) in the order of the tf-ops route
  ;; (lib/train/adam.ts): with wd ≠ 0 g ← g + θ·wd; m' = m·b1 + g·c1; v' = v·b2 + (g·g)·c2;
  ;; θ' = θ − (m' / (√v' / bc + eps))·ss; θ', m', v' stored at po, mo, vo.
  (func (export "adam") (param $p i32) (param $g i32) (param $m i32) (param $v i32)
    (param $po i32) (param $mo i32) (param $vo i32) (param $n4 i32) (param $b1 f32)
    (param $c1 f32) (param $b2 f32) (param $c2 f32) (param $ss f32) (param $bc f32)
    (param $eps f32) (param $wd f32)
    (local $i i32) (local $end i32) (local $th v128) (local $gr v128) (local $mm v128)
    (local $vv v128) (local $decay i32)
    (local.set $end (i32.shl (local.get $n4) (i32.const 2)))
    (local.set $decay (f32.ne (local.get $wd) (f32.const 0)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $th (v128.load (i32.add (local.get $p) (local.get $i))))
        (local.set $gr (v128.load (i32.add (local.get $g) (local.get $i))))
        (if (local.get $decay)
          (then (local.set $gr (f32x4.add (local.get $gr)
            (f32x4.mul (local.get $th) (f32x4.splat (local.get $wd)))))))
        (local.set $mm (f32x4.add
          (f32x4.mul (v128.load (i32.add (local.get $m) (local.get $i))) (f32x4.splat (local.get $b1)))
          (f32x4.mul (local.get $gr) (f32x4.splat (local.get $c1)))))
        (local.set $vv (f32x4.add
          (f32x4.mul (v128.load (i32.add (local.get $v) (local.get $i))) (f32x4.splat (local.get $b2)))
          (f32x4.mul (f32x4.mul (local.get $gr) (local.get $gr)) (f32x4.splat (local.get $c2)))))
        (v128.store (i32.add (local.get $po) (local.get $i))
          (f32x4.sub (local.get $th)
            (f32x4.mul
              (f32x4.div (local.get $mm)
                (f32x4.add (f32x4.div (f32x4.sqrt (local.get $vv)) (f32x4.splat (local.get $bc)))
                  (f32x4.splat (local.get $eps))))
              (f32x4.splat (local.get $ss)))))
        (v128.store (i32.add (local.get $mo) (local.get $i)) (local.get $mm))
        (v128.store (i32.add (local.get $vo) (local.get $i)) (local.get $vv))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next))))
)
