"""Writes the DICOM seeds of the mutation harness (Reliability/corpus/dicom) with pydicom.

Usage: make_dicom_corpus.py OUT_DIR  (python3-pydicom, numpy). Small random CT/MR/RGB images in
explicit and implicit VR little endian, explicit VR big endian, deflated and RLE Lossless, one
with a nested sequence, one with two frames.
"""
import os
import sys

import numpy as np
import pydicom  # noqa: F401
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import (DeflatedExplicitVRLittleEndian, ExplicitVRBigEndian, ExplicitVRLittleEndian,
                         ImplicitVRLittleEndian, RLELossless, generate_uid)

rng = np.random.default_rng(7)


def make(name, ts, bits=16, signed=False, samples=1, frames=1, rows=6, cols=5, rescale=True, seq=False):
    ds = Dataset()
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    ds.SOPInstanceUID = generate_uid()
    ds.Modality = "CT" if samples == 1 else "OT"
    if seq:
        item = Dataset()
        item.CodeValue = "T-D3000"
        item.CodeMeaning = "Chest"
        ds.AnatomicRegionSequence = [item]
    ds.SamplesPerPixel = samples
    ds.PhotometricInterpretation = "MONOCHROME2" if samples == 1 else "RGB"
    if samples > 1:
        ds.PlanarConfiguration = 0
    if frames > 1:
        ds.NumberOfFrames = frames
    ds.Rows, ds.Columns = rows, cols
    ds.BitsAllocated = bits
    ds.BitsStored = 12 if bits == 16 else 8
    ds.HighBit = ds.BitsStored - 1
    ds.PixelRepresentation = int(signed)
    if rescale:
        ds.RescaleIntercept, ds.RescaleSlope, ds.WindowCenter, ds.WindowWidth = "-1024", "1", "40", "400"
    lo, hi = (-2048, 2047) if signed else (0, 4095 if bits == 16 else 255)
    dtype = {(16, False): np.uint16, (16, True): np.int16, (8, False): np.uint8}[(bits, signed)]
    arr = rng.integers(lo, hi + 1, size=(frames, rows, cols, samples)).astype(dtype).squeeze()
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    meta.TransferSyntaxUID = ExplicitVRLittleEndian if ts == RLELossless else ts
    ds.file_meta = meta
    ds.is_little_endian = ts != ExplicitVRBigEndian
    ds.is_implicit_VR = ts == ImplicitVRLittleEndian
    ds.PixelData = arr.tobytes() if ts != ExplicitVRBigEndian else arr.byteswap().tobytes()
    if ts == RLELossless:
        ds.compress(RLELossless, arr)
    ds.preamble = b"\0" * 128
    ds.save_as(os.path.join(sys.argv[1], name), write_like_original=False)


make("ct_explicit_le.dcm", ExplicitVRLittleEndian, signed=True, seq=True)
make("ct_implicit_le.dcm", ImplicitVRLittleEndian)
make("mr_explicit_be.dcm", ExplicitVRBigEndian, rescale=False)
make("ct_deflated.dcm", DeflatedExplicitVRLittleEndian)
make("ct_rle_2frames.dcm", RLELossless, frames=2)
make("rgb_rle.dcm", RLELossless, bits=8, samples=3, rescale=False)
make("rgb_explicit_le.dcm", ExplicitVRLittleEndian, bits=8, samples=3, rescale=False)
