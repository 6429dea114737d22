"""Tests of wecom."""
