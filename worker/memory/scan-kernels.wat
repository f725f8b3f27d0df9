;; The vector scan's compiled parts (vector-scan.ts, vector-set.ts): the Hamming pass, for every slot
;; of a VectorSet the number of sign bits it does not share with the query; and the decoding of the
;; hex text D1 hands vectors over as. Workers cannot compile WebAssembly at run time, so the binary
;; (scan-kernels.wasm, assembled from this file by `npm run build:wasm`) is uploaded as a module of its own
;; next to worker.js. sign-bit-store.ts lays out the memory and calls it.
(module
  ;; One memory per VectorSet; the caller grows it.
  (memory (export "memory") 1)

  ;; For each of the `size` slots whose byte at `alive` + slot is not 0: the popcount of the XOR of
  ;; its `words` 32-bit words (at `bits` + slot * words * 4) with the query's (at `query`), stored as
  ;; a u16 at `distances` + slot * 2, and counted in the u32 histogram at `histogram` + distance * 4
  ;; (which the caller zeroes first). A dead slot gets 0xffff and no count. Words go two at a time
  ;; (i64.popcnt), an odd last one alone.
  (func (export "distances")
    (param $query i32) (param $bits i32) (param $alive i32) (param $distances i32) (param $histogram i32)
    (param $size i32) (param $words i32)
    (local $slot i32) (local $pair i32) (local $pairs i32) (local $at i32) (local $distance i32)
    (local $last i32) (local $count i32)
    (local.set $pairs (i32.shr_u (local.get $words) (i32.const 1)))
    (local.set $last (i32.shl (i32.sub (local.get $words) (i32.const 1)) (i32.const 2)))
    (local.set $at (local.get $bits))
    (block $done
      (loop $slots
        (br_if $done (i32.ge_u (local.get $slot) (local.get $size)))
        (if (i32.load8_u (i32.add (local.get $alive) (local.get $slot)))
          (then
            (local.set $distance (i32.const 0))
            (local.set $pair (i32.const 0))
            (block $pairsDone
              (loop $pairLoop
                (br_if $pairsDone (i32.ge_u (local.get $pair) (local.get $pairs)))
                (local.set $distance
                  (i32.add (local.get $distance)
                    (i32.wrap_i64
                      (i64.popcnt
                        (i64.xor
                          (i64.load (i32.add (local.get $at) (i32.shl (local.get $pair) (i32.const 3))))
                          (i64.load (i32.add (local.get $query) (i32.shl (local.get $pair) (i32.const 3)))))))))
                (local.set $pair (i32.add (local.get $pair) (i32.const 1)))
                (br $pairLoop)))
            (if (i32.and (local.get $words) (i32.const 1))
              (then
                (local.set $distance
                  (i32.add (local.get $distance)
                    (i32.popcnt
                      (i32.xor
                        (i32.load (i32.add (local.get $at) (local.get $last)))
                        (i32.load (i32.add (local.get $query) (local.get $last)))))))))
            (i32.store16 (i32.add (local.get $distances) (i32.shl (local.get $slot) (i32.const 1))) (local.get $distance))
            (local.set $count (i32.add (local.get $histogram) (i32.shl (local.get $distance) (i32.const 2))))
            (i32.store (local.get $count) (i32.add (i32.load (local.get $count)) (i32.const 1))))
          (else
            (i32.store16 (i32.add (local.get $distances) (i32.shl (local.get $slot) (i32.const 1))) (i32.const 0xffff))))
        (local.set $at (i32.add (local.get $at) (i32.shl (local.get $words) (i32.const 2))))
        (local.set $slot (i32.add (local.get $slot) (i32.const 1)))
        (br $slots))))

  ;; Decodes `length` / 2 bytes from the hex digits at `from` (either case, as SQLite's hex() writes
  ;; upper case) to `to`: eight digits at a time in one i64 (each digit's low four bits, plus 9 for a
  ;; letter, whose bit 6 is set; then the nibbles paired into bytes and the bytes packed), the last
  ;; few one pair at a time.
  (func $decode (param $from i32) (param $length i32) (param $to i32)
    (local $index i32) (local $whole i32) (local $bytes i32) (local $high i32) (local $low i32) (local $word i64)
    (local.set $whole (i32.and (local.get $length) (i32.const -8)))
    (block $done
      (loop $eights
        (br_if $done (i32.ge_u (local.get $index) (local.get $whole)))
        (local.set $word (i64.load (i32.add (local.get $from) (local.get $index))))
        (local.set $word
          (i64.add
            (i64.and (local.get $word) (i64.const 0x0f0f0f0f0f0f0f0f))
            (i64.mul (i64.and (i64.shr_u (local.get $word) (i64.const 6)) (i64.const 0x0101010101010101)) (i64.const 9))))
        (local.set $word
          (i64.or
            (i64.shl (i64.and (local.get $word) (i64.const 0x00ff00ff00ff00ff)) (i64.const 4))
            (i64.and (i64.shr_u (local.get $word) (i64.const 8)) (i64.const 0x00ff00ff00ff00ff))))
        (local.set $word
          (i64.and (i64.or (local.get $word) (i64.shr_u (local.get $word) (i64.const 8))) (i64.const 0x0000ffff0000ffff)))
        (local.set $word (i64.or (local.get $word) (i64.shr_u (local.get $word) (i64.const 16))))
        (i32.store (i32.add (local.get $to) (i32.shr_u (local.get $index) (i32.const 1))) (i32.wrap_i64 (local.get $word)))
        (local.set $index (i32.add (local.get $index) (i32.const 8)))
        (br $eights)))
    (local.set $bytes (i32.shr_u (local.get $length) (i32.const 1)))
    (local.set $index (i32.shr_u (local.get $whole) (i32.const 1)))
    (block $tailDone
      (loop $pairs
        (br_if $tailDone (i32.ge_u (local.get $index) (local.get $bytes)))
        (local.set $high (i32.load8_u (i32.add (local.get $from) (i32.shl (local.get $index) (i32.const 1)))))
        (local.set $low (i32.load8_u (i32.add (local.get $from) (i32.add (i32.shl (local.get $index) (i32.const 1)) (i32.const 1)))))
        (i32.store8 (i32.add (local.get $to) (local.get $index))
          (i32.or
            (i32.shl
              (i32.add (i32.and (local.get $high) (i32.const 15)) (i32.mul (i32.shr_u (local.get $high) (i32.const 6)) (i32.const 9)))
              (i32.const 4))
            (i32.add (i32.and (local.get $low) (i32.const 15)) (i32.mul (i32.shr_u (local.get $low) (i32.const 6)) (i32.const 9)))))
        (local.set $index (i32.add (local.get $index) (i32.const 1)))
        (br $pairs))))

  ;; $decode, for bytes whose values are not needed here (sign bits, rowids).
  (func (export "hexBytes") (param $from i32) (param $length i32) (param $to i32)
    (call $decode (local.get $from) (local.get $length) (local.get $to)))

  ;; $decode, and the sum of the squares of the bytes read as signed bytes (an int8 vector's squared norm).
  (func (export "hex") (param $from i32) (param $length i32) (param $to i32) (result i32)
    (local $index i32) (local $bytes i32) (local $byte i32) (local $squares i32)
    (call $decode (local.get $from) (local.get $length) (local.get $to))
    (local.set $bytes (i32.shr_u (local.get $length) (i32.const 1)))
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $index) (local.get $bytes)))
        (local.set $byte (i32.load8_s (i32.add (local.get $to) (local.get $index))))
        (local.set $squares (i32.add (local.get $squares) (i32.mul (local.get $byte) (local.get $byte))))
        (local.set $index (i32.add (local.get $index) (i32.const 1)))
        (br $each)))
    (local.get $squares)))
