"""The compliance file (`artaud compliance report|check`): the records of processing of the two
tracks, the CNIL exemption self-check of the exempt track and the inputs of the pooled track's DPIA,
computed from the running configuration and the code (docs/compliance.md)."""
