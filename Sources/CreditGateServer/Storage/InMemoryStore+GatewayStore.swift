import CreditGateCore

/// Memory has nothing to start or close.
extension InMemoryStore: GatewayStore {}
