"""Dumps what pydicom decodes, for the C# DICOM reader comparison.

Usage: pydicom_dump.py OUT_DIR
Finds pydicom's own test files, keeps pydicom's built-in pixel handlers only (numpy and RLE: no
plugins), and for each .dcm writes one line of index.tsv:
  name <TAB> ok <TAB> frames rows cols samples <TAB> has_rescale    (+ NAME.pixels / NAME.modality: float64 little endian)
  name <TAB> fail <TAB> reason
Pixels are in pydicom's pixel_array order (frame, row, column, sample).
"""
import os
import sys

import numpy as np
import pydicom
from pydicom import config
from pydicom.data import get_testdata_file  # noqa: F401  (pydicom.data must import)
from pydicom.pixel_data_handlers import numpy_handler, rle_handler
from pydicom.pixel_data_handlers.util import apply_modality_lut

config.pixel_data_handlers = [numpy_handler, rle_handler]
out = sys.argv[1]
folder = os.path.join(os.path.dirname(pydicom.__file__), "data", "test_files")
with open(os.path.join(out, "index.tsv"), "w") as index:
    index.write(folder + "\n")
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if not name.endswith(".dcm") or not os.path.isfile(path):
            continue
        try:
            ds = pydicom.dcmread(path, force=True)
            if "TransferSyntaxUID" not in ds.file_meta:
                # No file meta information: use the syntax pydicom inferred while reading.
                ds.file_meta.TransferSyntaxUID = (
                    pydicom.uid.ImplicitVRLittleEndian if ds.is_implicit_VR
                    else pydicom.uid.ExplicitVRLittleEndian if ds.is_little_endian
                    else pydicom.uid.ExplicitVRBigEndian)
            arr = ds.pixel_array
            frames = int(getattr(ds, "NumberOfFrames", 1) or 1)
            samples = int(ds.SamplesPerPixel)
            a = np.asarray(arr, dtype=np.float64).reshape(frames, int(ds.Rows), int(ds.Columns), samples)
            has_rescale = "RescaleSlope" in ds and "RescaleIntercept" in ds and "ModalityLUTSequence" not in ds
            m = np.asarray(apply_modality_lut(arr, ds), dtype=np.float64).reshape(a.shape)
        except Exception as e:  # pydicom cannot decode it without plugins (or at all)
            index.write(f"{name}\tfail\t{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}\n")
            continue
        a.astype("<f8").tofile(os.path.join(out, name + ".pixels"))
        m.astype("<f8").tofile(os.path.join(out, name + ".modality"))
        index.write(f"{name}\tok\t{frames} {a.shape[1]} {a.shape[2]} {samples}\t{int(has_rescale)}\n")
