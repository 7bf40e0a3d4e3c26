<?xml version="1.0" encoding="UTF-8"?>
<!-- Renders OAI-PMH responses as a readable page in browsers (linked by an xml-stylesheet instruction). -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:oai="http://www.openarchives.org/OAI/2.0/" exclude-result-prefixes="oai">
  <xsl:output method="html" encoding="UTF-8" indent="yes"/>
  <xsl:variable name="base" select="/oai:OAI-PMH/oai:request/text()"/>

  <xsl:template match="/">
    <html>
      <head>
        <title>OAI-PMH: <xsl:value-of select="/oai:OAI-PMH/oai:request/@verb"/></title>
        <style>
          body { font-family: sans-serif; margin: 2em; max-width: 70em; }
          table { border-collapse: collapse; } td, th { border: 1px solid #ccc; padding: .3em .6em; text-align: left; vertical-align: top; }
          .deleted { color: #a00; } nav a { margin-right: 1em; } pre { white-space: pre-wrap; background: #f6f6f6; padding: .5em; }
        </style>
      </head>
      <body>
        <h1>OAI-PMH 2.0</h1>
        <nav>
          <a href="{$base}?verb=Identify">Identify</a>
          <a href="{$base}?verb=ListMetadataFormats">Metadata formats</a>
          <a href="{$base}?verb=ListSets">Sets</a>
          <a href="{$base}?verb=ListIdentifiers&amp;metadataPrefix=oai_dc">Identifiers</a>
          <a href="{$base}?verb=ListRecords&amp;metadataPrefix=oai_dc">Records</a>
        </nav>
        <p>Response date: <xsl:value-of select="/oai:OAI-PMH/oai:responseDate"/>;
           request: <code><xsl:for-each select="/oai:OAI-PMH/oai:request/@*"><xsl:value-of select="name()"/>=<xsl:value-of select="."/><xsl:text> </xsl:text></xsl:for-each></code></p>
        <xsl:apply-templates select="/oai:OAI-PMH/*[not(self::oai:responseDate or self::oai:request)]"/>
      </body>
    </html>
  </xsl:template>

  <xsl:template match="oai:error">
    <p class="deleted"><strong>Error <xsl:value-of select="@code"/>:</strong> <xsl:value-of select="."/></p>
  </xsl:template>

  <xsl:template match="oai:Identify">
    <table><xsl:for-each select="*[not(self::oai:description)]"><tr><th><xsl:value-of select="local-name()"/></th><td><xsl:value-of select="."/></td></tr></xsl:for-each></table>
  </xsl:template>

  <xsl:template match="oai:ListMetadataFormats">
    <table><tr><th>prefix</th><th>schema</th><th>namespace</th></tr>
      <xsl:for-each select="oai:metadataFormat"><tr><td><xsl:value-of select="oai:metadataPrefix"/></td><td><xsl:value-of select="oai:schema"/></td><td><xsl:value-of select="oai:metadataNamespace"/></td></tr></xsl:for-each>
    </table>
  </xsl:template>

  <xsl:template match="oai:ListSets">
    <table><tr><th>spec</th><th>name</th><th></th></tr>
      <xsl:for-each select="oai:set"><tr><td><xsl:value-of select="oai:setSpec"/></td><td><xsl:value-of select="oai:setName"/></td>
        <td><a href="{$base}?verb=ListRecords&amp;metadataPrefix=oai_dc&amp;set={oai:setSpec}">records</a></td></tr></xsl:for-each>
    </table>
  </xsl:template>

  <xsl:template match="oai:ListIdentifiers|oai:ListRecords|oai:GetRecord">
    <table><tr><th>identifier</th><th>datestamp</th><th>sets</th><th>metadata</th></tr>
      <xsl:for-each select="oai:header|oai:record">
        <xsl:variable name="header" select="self::oai:header|oai:header"/>
        <tr>
          <td><xsl:if test="$header/@status='deleted'"><xsl:attribute name="class">deleted</xsl:attribute>(deleted) </xsl:if>
            <a href="{$base}?verb=GetRecord&amp;metadataPrefix=oai_dc&amp;identifier={$header/oai:identifier}"><xsl:value-of select="$header/oai:identifier"/></a></td>
          <td><xsl:value-of select="$header/oai:datestamp"/></td>
          <td><xsl:for-each select="$header/oai:setSpec"><xsl:value-of select="."/><xsl:text> </xsl:text></xsl:for-each></td>
          <td><xsl:for-each select="oai:metadata/*/*"><div><em><xsl:value-of select="local-name()"/></em>: <xsl:value-of select="."/></div></xsl:for-each></td>
        </tr>
      </xsl:for-each>
    </table>
    <xsl:for-each select="oai:resumptionToken">
      <p>Items <xsl:value-of select="@cursor"/> onwards<xsl:if test="@completeListSize"> of <xsl:value-of select="@completeListSize"/></xsl:if>.
        <xsl:if test="normalize-space(.)"><a href="{$base}?verb={local-name(..)}&amp;resumptionToken={.}">Next page</a></xsl:if></p>
    </xsl:for-each>
  </xsl:template>
</xsl:stylesheet>
