"""Remuneration: how a distributor's payment is shared among the participating cinemas (IO-free maths).

`distribution.distribute` is the entry point: participants (`inputs.Participant`), a payment in cents,
the SCARE's fee rate and a policy (`policies`) give the fee, the pot and each cinema's cents
(`money.apportion`), with the policy's id, version and parameters and a hash of the inputs.
`preview` and `contributions` serve the board's `artaud remuneration preview` command. `statement`
turns a distribution into a published root and one statement per cinema, each verifiable alone
(`merkle`: the RFC 9162 tree), which `artaud remuneration verify` checks.
"""
