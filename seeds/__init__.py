"""Seed data made from the 中国电子报 page of 2024-01-26, and its loader."""
