/**
 * Sluice policy files: JSON Schema, loader, validation errors, capture presets and the data inventory.
 */
export {};
