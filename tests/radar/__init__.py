"""Tests of radar."""
