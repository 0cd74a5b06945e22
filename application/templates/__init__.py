"""Templates of answers (§7) and post-sale messages (§8): kept, listed, changed, previewed,
and the values their variables take."""
