"""A synthetic physical-therapy practice: claims, remittances, notes and contracts to demo on."""
