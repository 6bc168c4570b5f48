/// The BN254 base field: integers modulo
/// p = 21888242871839275222246405745257275088696311157297823662689037894645226208583
/// (p = 36u⁴ + 36u³ + 24u² + 6u + 1 with u = 4965661367192848881), the field of the curve
/// coordinates.
@frozen
public struct Fq: PrimeField {
    public var montgomery: UInt256

    @inlinable
    public init(montgomery: UInt256) { self.montgomery = montgomery }

    @inlinable
    public static var modulus: UInt256 {
        UInt256(0x3c20_8c16_d87c_fd47, 0x9781_6a91_6871_ca8d, 0xb850_45b6_8181_585d, 0x3064_4e72_e131_a029)
    }
    @inlinable
    public static var montgomeryR: UInt256 {
        UInt256(0xd35d_438d_c58f_0d9d, 0x0a78_eb28_f5c7_0b3d, 0x666e_a36f_7879_462c, 0x0e0a_77c1_9a07_df2f)
    }
    @inlinable
    public static var montgomeryR2: UInt256 {
        UInt256(0xf32c_fc5b_538a_fa89, 0xb5e7_1911_d445_01fb, 0x47ab_1eff_0a41_7ff6, 0x06d8_9f71_cab8_351f)
    }
    @inlinable
    public static var montgomeryInverse: UInt64 { 0x87d2_0782_e486_6389 }

    /// The square root when one exists: a^((p+1)/4), valid because p ≡ 3 (mod 4).
    public func squareRoot() -> Fq? {
        let exponent = Fq.modulus.addingReportingOverflow(.one).partialValue.halved.halved
        let root = pow(exponent)
        return root.squared() == self ? root : nil
    }
}
