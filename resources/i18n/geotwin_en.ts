<?xml version='1.0' encoding='UTF-8'?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US" sourcelanguage="en_US">
  <context>
    <name>GeoTwin</name>
    <message>
      <location filename="../../processing/provider.py" line="33"/>
      <source>GeoTwin – Digitaler Geozwilling</source>
      <translation>GeoTwin – Digitaler Geozwilling</translation>
    </message>
  </context>
</TS>
