import CreditGateCore

/// What a handler's body produces: an answer, or a state change with the way to answer from
/// what the store made of it.
enum Reply<Output: Sendable>: Sendable {
  case answer(Output)
  case change(StateChange, respond: @Sendable (StateChangeResult) -> Output)
}
