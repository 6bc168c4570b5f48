/// The BN254 scalar field: integers modulo the group order
/// r = 21888242871839275222246405745257275088548364400416034343698204186575808495617
/// (r = 36u⁴ + 36u³ + 18u² + 6u + 1), the field of circuit values, scalars and Poseidon.
@frozen
public struct Fr: PrimeField {
    public var montgomery: UInt256

    @inlinable
    public init(montgomery: UInt256) { self.montgomery = montgomery }

    @inlinable
    public static var modulus: UInt256 {
        UInt256(0x43e1_f593_f000_0001, 0x2833_e848_79b9_7091, 0xb850_45b6_8181_585d, 0x3064_4e72_e131_a029)
    }
    @inlinable
    public static var montgomeryR: UInt256 {
        UInt256(0xac96_341c_4fff_fffb, 0x36fc_7695_9f60_cd29, 0x666e_a36f_7879_462e, 0x0e0a_77c1_9a07_df2f)
    }
    @inlinable
    public static var montgomeryR2: UInt256 {
        UInt256(0x1bb8_e645_ae21_6da7, 0x53fe_3ab1_e35c_59e3, 0x8c49_833d_53bb_8085, 0x0216_d0b1_7f4e_44a5)
    }
    @inlinable
    public static var montgomeryInverse: UInt64 { 0xc2e1_f593_efff_ffff }
}
