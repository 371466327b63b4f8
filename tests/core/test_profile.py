"""Map profile files (TOML of MapParams fields): round trip, and bad files named with file and field."""

from pathlib import Path

import pytest

from liqheat_nautilus.core import MapParams
from liqheat_nautilus.core.profile import ProfileError, dump_profile, load_profile
from liqheat_nautilus.paths import project_root

FIELDS = {"leverage_model": "normal", "leverage_mean": 18.5, "leverage_std": 11.2, "half_life_hours": 96.0,
          "leveraged_share": 0.25, "long_share_offset": -0.05, "inverse": False, "entry_mode": "vwap",
          "tier_half_lives_hours": (), "position_sizes_usd": (1000.0, 50000.0), "position_size_weights": (0.5, 0.5),
          "cohort_layers": 4}


def test_dump_and_load_round_trip(tmp_path):
    path = dump_profile(tmp_path / "sub" / "p.toml", FIELDS, {"fitted_on": 'a "quoted" window', "n": 3,
                                                              "out_of_sample": {"long": 0.9, "short": 0.8}})
    assert path.is_file()
    fields = load_profile(path)
    assert fields == FIELDS
    assert MapParams(**fields).leverage_mean == 18.5
    assert "[calibration.out_of_sample]" in path.read_text()


def test_the_shipped_calibrated_profile_loads():
    fields = load_profile(project_root() / "config" / "profiles" / "btc_coinglass_calibrated.toml")
    assert fields["leverage_model"] == "normal" and 0.0 < fields["leveraged_share"] <= 1.0


@pytest.mark.parametrize(("text", "names"), [
    ("[map]\nhalf_life_hour = 3.0\n", ["half_life_hour", "did you mean 'half_life_hours' for 'half_life_hour'?"]),
    ("[map]\nhalf_life_hour = 3.0\nzzz = 1\n", ["did you mean 'half_life_hours'", "; known: ["]),
    ("[map]\nzzz = 3.0\n", ["['zzz'] are not MapParams fields; known: ["]),  # nothing close: no guess
    ("[mapp]\nhalf_life_hours = 3.0\n", ["mapp"]),  # an unknown section
    ("[map]\nhalf_life_hours = -3.0\n", ["half_life_hours"]),  # a value MapParams rejects
    ("[map]\nleverage_mean = 20.0\n", ["leverage_mean"]),  # μ with the (default) tier model: would be ignored
    ("[map\n", ["not a readable TOML"]),
    ("", ["no [map] fields"]),  # an empty file would run the defaults under the profile's name
    ("[calibration]\nfitted_on = 'x'\n[map]\n", ["no [map] fields"]),
])
def test_bad_profiles_name_the_file_and_the_field(tmp_path, text, names):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    message = str(info.value)
    assert str(path) in message
    for name in names:
        assert name in message


def test_missing_profile_and_unknown_fields_on_write(tmp_path):
    with pytest.raises(ProfileError, match="not found"):
        load_profile(tmp_path / "nope.toml")
    with pytest.raises(ProfileError, match="bin_wdith"):
        dump_profile(tmp_path / "p.toml", {"bin_wdith": 1.0}, {})
    assert not Path(tmp_path / "p.toml").exists()
    assert issubclass(ProfileError, ValueError)


def test_instrument_warning_only_for_a_profile_of_another_instrument(tmp_path):
    from liqheat_nautilus.core.profile import profile_instrument_warning

    unknown = dump_profile(tmp_path / "csv.toml", {"half_life_hours": 24.0}, {"data": "CSV files (x)"})
    assert profile_instrument_warning(unknown, "SOL-USDT-SWAP.OKX") == ""  # CSV inputs: no instrument recorded
    shipped = project_root() / "config" / "profiles" / "btc_coinglass_calibrated.toml"
    assert profile_instrument_warning(shipped, "BTCUSDT-PERP.BINANCE") == ""
    other = profile_instrument_warning(shipped, "ETHUSDT-PERP.BINANCE")
    assert "was fitted on BTCUSDT-PERP.BINANCE (Coinglass BTC 4h" in other and "not on ETHUSDT-PERP.BINANCE" in other


def test_a_misspelt_leverage_model_is_named_alone():
    # was also "leverage_mean ... only with leverage_model='normal'" and the same for leverage_std: noise beside it
    with pytest.raises(ValueError) as info:
        MapParams(leverage_model="nrmal", leverage_mean=20.0, leverage_std=10.0)
    assert "leverage_model" in str(info.value) and "leverage_mean" not in str(info.value)
    with pytest.raises(ValueError, match="leverage_mean"):  # with the tier model they would still be ignored
        MapParams(leverage_model="tiers", leverage_mean=20.0)
