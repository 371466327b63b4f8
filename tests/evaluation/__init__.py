"""Tests of ``liqheat evaluate`` (liqheat_nautilus.evaluation)."""
