extension Fr {
    /// A uniformly random element, by rejection sampling of 254-bit integers (r < 2^254, so about
    /// three draws in four are kept). The prover's blinding values and a ceremony's secrets come
    /// from here, with the system's cryptographic generator unless a test passes its own.
    public static func random<G: RandomNumberGenerator>(using generator: inout G) -> Fr {
        while true {
            let candidate = UInt256(generator.next(), generator.next(), generator.next(),
                                    generator.next() & (UInt64.max >> 2))
            if let value = Fr(canonical: candidate) { return value }
        }
    }

    /// A uniformly random element from the system's cryptographic generator.
    public static func random() -> Fr {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }
}
