import CBN254

/// The bridge to the C tower arithmetic (`CBN254`): Swift's Fq, Fq2, Fq6 and Fq12 are frozen
/// structs of 64-bit limbs in the same order as the C structs, so values are passed by pointer,
/// rebound to the C type (`ZKTests` checks the sizes agree).
///
/// Why C: the Swift tower spent most of its time copying 384-byte Fq12 values between steps
/// (8.2 µs per Fq12 product against 54 Fq products of 37 ns); over pointers the same algorithms
/// run without those copies (BENCHMARKS.md, "Pairing in C").
enum TowerCore {
    /// f(&r, &a, &b) with r a fresh value.
    @inline(__always)
    static func apply<T, C>(
        _ a: T, _ b: T, as type: C.Type,
        _ f: (UnsafeMutablePointer<C>?, UnsafePointer<C>?, UnsafePointer<C>?) -> Void
    ) -> T {
        var r = a
        withUnsafeMutablePointer(to: &r) { rp in
            withUnsafePointer(to: a) { ap in
                withUnsafePointer(to: b) { bp in
                    rp.withMemoryRebound(to: C.self, capacity: 1) { r in
                        ap.withMemoryRebound(to: C.self, capacity: 1) { a in
                            bp.withMemoryRebound(to: C.self, capacity: 1) { b in f(r, a, b) }
                        }
                    }
                }
            }
        }
        return r
    }

    /// f(&r, &a) with r a fresh value.
    @inline(__always)
    static func apply<T, C>(
        _ a: T, as type: C.Type, _ f: (UnsafeMutablePointer<C>?, UnsafePointer<C>?) -> Void
    ) -> T {
        var r = a
        withUnsafeMutablePointer(to: &r) { rp in
            withUnsafePointer(to: a) { ap in
                rp.withMemoryRebound(to: C.self, capacity: 1) { r in
                    ap.withMemoryRebound(to: C.self, capacity: 1) { a in f(r, a) }
                }
            }
        }
        return r
    }

    /// f ← f · (1 + (b0 + b1·v)·w).
    @inline(__always)
    static func multiplyByLine(_ f: inout Fq12, _ b0: Fq2, _ b1: Fq2) {
        withUnsafeMutablePointer(to: &f) { fp in
            withUnsafePointer(to: b0) { p0 in
                withUnsafePointer(to: b1) { p1 in
                    fp.withMemoryRebound(to: bn254_fq12.self, capacity: 1) { f in
                        p0.withMemoryRebound(to: bn254_fq2.self, capacity: 1) { b0 in
                            p1.withMemoryRebound(to: bn254_fq2.self, capacity: 1) { b1 in
                                bn254_fq12_mul_by_line(f, b0, b1)
                            }
                        }
                    }
                }
            }
        }
    }

    /// f ← f · (a + (b + c·v)·w).
    @inline(__always)
    static func multiplyBySparse(_ f: inout Fq12, _ a: Fq2, _ b: Fq2, _ c: Fq2) {
        withUnsafeMutablePointer(to: &f) { fp in
            withUnsafePointer(to: (a, b, c)) { abc in
                fp.withMemoryRebound(to: bn254_fq12.self, capacity: 1) { f in
                    UnsafeRawPointer(abc).withMemoryRebound(to: bn254_fq2.self, capacity: 3) { line in
                        bn254_fq12_mul_by_sparse(f, line, line + 1, line + 2)
                    }
                }
            }
        }
    }

    /// f ← f · (line at P): a·y + (b·x + c·v)·w for a projective line (x, y = xP, yP), and
    /// 1 + (b·x + c·y·v)·w for a normalized one (x, y = xP/yP, 1/yP).
    @inline(__always)
    static func multiply(_ f: inout Fq12, byLine line: G2Prepared.Line, normalized: Bool, x: Fq, y: Fq) {
        withUnsafeMutablePointer(to: &f) { fp in
            withUnsafePointer(to: line) { lp in
                withUnsafePointer(to: (x, y)) { xy in
                    fp.withMemoryRebound(to: bn254_fq12.self, capacity: 1) { f in
                        UnsafeRawPointer(lp).withMemoryRebound(to: bn254_fq2.self, capacity: 3) { line in
                            UnsafeRawPointer(xy).withMemoryRebound(to: bn254_fq.self, capacity: 2) { xy in
                                if normalized {
                                    bn254_fq12_mul_by_normalized_line(f, line, xy, xy + 1)
                                } else {
                                    bn254_fq12_mul_by_projective_line(f, line, xy, xy + 1)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// `body` over a projective G2 point T and a Miller line as C arrays of three Fq2.
    @inline(__always)
    static func withStep(
        _ t: inout (x: Fq2, y: Fq2, z: Fq2), _ line: inout G2Prepared.Line,
        _ body: (UnsafeMutablePointer<bn254_fq2>, UnsafeMutablePointer<bn254_fq2>) -> Void
    ) {
        withUnsafeMutablePointer(to: &t) { tp in
            withUnsafeMutablePointer(to: &line) { lp in
                UnsafeMutableRawPointer(tp).withMemoryRebound(to: bn254_fq2.self, capacity: 3) { t in
                    UnsafeMutableRawPointer(lp).withMemoryRebound(to: bn254_fq2.self, capacity: 3) { line in
                        body(t, line)
                    }
                }
            }
        }
    }

    /// Whether the Swift and C layouts agree (checked by the tests).
    static var layoutsAgree: Bool {
        MemoryLayout<Fq>.size == MemoryLayout<bn254_fq>.size
            && MemoryLayout<Fq2>.size == MemoryLayout<bn254_fq2>.size
            && MemoryLayout<Fq6>.size == MemoryLayout<bn254_fq6>.size
            && MemoryLayout<Fq12>.size == MemoryLayout<bn254_fq12>.size
            && MemoryLayout<Fq12>.stride == MemoryLayout<bn254_fq12>.stride
            && MemoryLayout<(Fq2, Fq2, Fq2)>.stride == 3 * MemoryLayout<bn254_fq2>.stride
            && MemoryLayout<G2Prepared.Line>.stride == 3 * MemoryLayout<bn254_fq2>.stride
    }
}
