import Settlement

extension SigningDomain {
    /// The domain of the default arbiter rules (an empty genesis on chain 1337), for tests whose
    /// transfers meet no engine; an engine's transfers are signed in `SigningDomain(genesis:)`.
    public static let test = L1ArbiterConfig.defaultRules.domain
}

extension TransitionRules {
    /// `L1ArbiterConfig.defaultRules` (fee account, max fee) for the deployment of `domain`: what
    /// an arbiter needs to accept data an engine on that deployment posts.
    public static func defaults(in domain: SigningDomain) -> TransitionRules {
        TransitionRules(domain: domain, feeAccount: L1ArbiterConfig.defaultRules.feeAccount,
                        maxFee: L1ArbiterConfig.defaultRules.maxFee)
    }
}
